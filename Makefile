# `make run` serves the embedded default; `make test` sets up this machine (Chromium,
# PostgreSQL, Redis, RabbitMQ), then runs lint, mypy and the suite.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint format bench load clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]' 2>&1 | grep -v "^WARNING: Location" || true
	$(BIN)/python -c "import django, rest_framework, celery"
	touch $(STAMP)

# The translations (.po → .mo, with Babel: no GNU gettext needed); .mo files are not in git.
install: $(STAMP)
	$(BIN)/python manage.py compilemessages

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@echo ""
	@echo "  Booking page:  http://127.0.0.1:8000/schedule/sales-team/"
	@echo "  Admin:         http://127.0.0.1:8000/admin/  (credentials printed above)"
	@echo "  API:           http://127.0.0.1:8000/api/v1/  (docs: /api/v1/docs/)"
	@echo ""
	$(BIN)/python manage.py runserver 127.0.0.1:8000

.PHONY: services typecheck faults
# pytest-xdist workers: the suite is xdist-safe; CI machines have 2 cores.
WORKERS ?= 2

test: services lint typecheck
	$(BIN)/pytest -n $(WORKERS) --dist loadgroup $(PYTEST_ARGS)

# Installs Chromium and starts stopped local services where it can, then checks all are
# reachable (and says how to start them if not).
services: install
	bash .ci/services
	$(BIN)/python -m config.services

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 artifacts

# Throughput over HTTP against a gunicorn of its own (never part of `make test`).
load: install
	$(BIN)/python bench/load.py

# A bounded fault drill (private PostgreSQL and Redis, the local RabbitMQ): see bench/faults.py.
faults: install
	$(BIN)/python bench/faults.py
