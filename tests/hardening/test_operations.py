"""Operations: /health/ and /ready/, the request id (in, out, into the logs and into the
Celery tasks a request causes, over a real worker on the Redis broker), JSON log lines
without manage tokens."""

import json
import logging
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import kombu
import pytest
from django.db import connection

from config.celery import app
from config.logs import JsonFormatter, RedactTokensFilter, RequestIdFilter, request_id_var

pytestmark = pytest.mark.django_db


def test_health_answers_ok_whatever_the_host(client):
    response = client.get("/health/", HTTP_HOST="10.0.0.7:8000")  # not in ALLOWED_HOSTS

    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_ready_names_each_service(client):
    response = client.get("/ready/")

    assert (response.status_code, response.json()) == (
        200,
        {"database": "ok", "cache": "ok", "broker": "ok"},
    )


def test_ready_is_503_naming_the_cache_when_it_is_down(client, settings):
    settings.CACHES = {
        "default": {
            **settings.CACHES["default"],
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    response = client.get("/ready/")

    assert response.status_code == 503
    assert response.json() == {"database": "ok", "cache": "down", "broker": "ok"}


def test_ready_is_503_naming_the_broker_when_it_is_down(client, settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:1/0")
    monkeypatch.setattr(app, "_pool", None)

    response = client.get("/ready/")

    assert response.status_code == 503
    assert response.json()["broker"] == "down"


def test_request_id_is_taken_from_the_caller_or_made_up(client):
    given = client.get("/health/", HTTP_X_REQUEST_ID="abc-123")
    assert "X-Request-ID" not in given  # the probe answers before the id middleware

    page = client.get("/api/v1/public/pages/nope/", HTTP_X_REQUEST_ID="abc-123")
    assert page["X-Request-ID"] == "abc-123"
    made = client.get("/api/v1/public/pages/nope/", HTTP_X_REQUEST_ID="bad id\nwith newline")
    assert len(made["X-Request-ID"]) == 32 and made["X-Request-ID"] != "abc-123"


def record(message: str, *args) -> logging.LogRecord:
    return logging.LogRecord("django.request", logging.WARNING, __file__, 1, message, args, None)


def formatted(rec: logging.LogRecord) -> dict:
    RequestIdFilter().filter(rec)
    RedactTokensFilter().filter(rec)
    line = JsonFormatter().format(rec)
    assert "\n" not in line
    return json.loads(line)


def test_log_lines_are_json_with_request_id_and_no_manage_token():
    token = request_id_var.set("req-42")
    try:
        line = formatted(
            record(
                '"GET %s HTTP/1.1" 200 / %s',
                "/schedule/manage/SECRETTOKENabc_123/invite.ics",
                "/api/v1/public/bookings/SECRETTOKENdef-456/cancel/?x=1",
            )
        )
    finally:
        request_id_var.reset(token)

    assert line["request_id"] == "req-42"
    assert line["level"] == "WARNING" and line["logger"] == "django.request"
    assert "SECRETTOKEN" not in line["message"]
    assert line["message"] == (
        '"GET /schedule/manage/[redacted]/invite.ics HTTP/1.1" 200 / '
        "/api/v1/public/bookings/[redacted]/cancel/?x=1"
    )


def test_gunicorn_access_line_is_redacted_json(tmp_path):
    """gunicorn with our config: its access line is one JSON object without the token."""
    port = 18000 + os.getpid() % 1000
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "LOG_FORMAT": "json",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
    }
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    proc = subprocess.Popen(
        [gunicorn, "-c", "config/gunicorn.py", "config.wsgi:application"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        import requests

        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(
                    f"http://127.0.0.1:{port}/schedule/manage/SECRETTOKENxyz/",
                    headers={"X-Request-ID": "rid-7"},
                    timeout=5,
                )
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.3)
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=20)
    access = [
        json.loads(line)
        for line in output.splitlines()
        if line.startswith("{") and json.loads(line)["logger"] == "gunicorn.access"
    ]
    assert access, output
    assert "SECRETTOKEN" not in output
    assert "/schedule/manage/[redacted]/" in access[0]["message"]
    assert "rid=rid-7" in access[0]["message"]


# --- the request id reaches a real worker over the Redis broker ---------------------------


def broker_url() -> str:
    return os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.mark.django_db(transaction=True)
def test_request_id_travels_into_the_task_on_a_real_worker_over_redis(tmp_path):
    queue = f"rid-test-{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": broker_url(),
        "LOG_FORMAT": "json",
    }
    log_path = tmp_path / "worker.log"
    celery = str(Path(sys.executable).with_name("celery"))
    command = [celery, "-A", "config", "worker", "-Q", queue, "-P", "solo", "--loglevel=INFO"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    with open(log_path, "w") as log:
        worker = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    keys = ("task_always_eager", "broker_url", "task_default_queue")
    saved = {key: app.conf[key] for key in keys}
    app.conf.update(task_always_eager=False, broker_url=broker_url(), task_default_queue=queue)
    app._pool, app.amqp._producer_pool = None, None
    token = request_id_var.set("req-from-web-1")
    try:
        app.send_task("integrations.sweep_sync_jobs", queue=queue)
        lines: list[dict] = []
        deadline = time.monotonic() + 60
        while not any("succeeded" in line["message"] for line in lines):
            assert time.monotonic() < deadline, log_path.read_text()[-3000:]
            time.sleep(0.2)
            text = log_path.read_text().splitlines()
            lines = [json.loads(line) for line in text if line.startswith("{")]
    finally:
        request_id_var.reset(token)
        worker.terminate()
        worker.wait(20)
        app.pool.force_close_all()
        app.conf.update(saved)
        app._pool, app.amqp._producer_pool = None, None
        with kombu.Connection(broker_url()) as conn:
            conn.default_channel.queue_delete(queue)
    [done] = [line for line in lines if "succeeded" in line["message"]]
    assert done["request_id"] == "req-from-web-1"
    assert "integrations.sweep_sync_jobs" in done["message"]
