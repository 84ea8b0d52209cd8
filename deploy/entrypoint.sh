#!/bin/sh
# Container entrypoint: wait for PostgreSQL, then run the given command.
# The one-shot `migrate` service of compose.yaml runs `migrate` through it once; web,
# worker and beat start only after it completed (service_completed_successfully).
set -eu

python - <<'PY'
import os, sys, time
import psycopg

url = os.environ.get("DATABASE_URL", "")
if not url.startswith(("postgres://", "postgresql://")):
    sys.exit(0)  # SQLite or unset: nothing to wait for
deadline = time.monotonic() + float(os.environ.get("DB_WAIT_SECONDS", "60"))
while True:
    try:
        psycopg.connect(url, connect_timeout=3).close()
        break
    except psycopg.OperationalError as exc:
        if time.monotonic() > deadline:
            sys.exit(f"PostgreSQL not reachable at DATABASE_URL after waiting: {exc}")
        time.sleep(1)
PY

exec "$@"
