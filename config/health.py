"""``GET /health/`` (the process runs) and ``GET /ready/`` (its backing services answer).

Answered by a middleware placed first so that probes from the orchestrator work whatever
the Host header (ALLOWED_HOSTS) and over plain HTTP (SECURE_SSL_REDIRECT).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse

logger = logging.getLogger(__name__)

PROBE_TIMEOUT = 2.0  # seconds per service: a probe must answer before the orchestrator gives up


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def check_cache() -> None:
    cache.set("ready-probe", "1", timeout=10)
    if cache.get("ready-probe") != "1":
        raise RuntimeError("the cache did not keep a value")


def check_broker() -> None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return  # the embedded default runs tasks in-process: no broker to reach
    from config.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=PROBE_TIMEOUT)


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
}


def readiness() -> dict[str, str]:
    """Each service as ``"ok"`` or ``"down"``; the reason goes to the log, not the answer."""
    states = {}
    for name, check in CHECKS.items():
        try:
            check()
            states[name] = "ok"
        except Exception:  # any failure means "not ready"; the log keeps the cause
            logger.warning("readiness: %s is down", name, exc_info=True)
            states[name] = "down"
    return states


class HealthMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in ("GET", "HEAD"):
            if request.path == "/health/":
                return JsonResponse({"status": "ok"})
            if request.path == "/ready/":
                states = readiness()
                ready = all(state == "ok" for state in states.values())
                return JsonResponse(states, status=200 if ready else 503)
        return self.get_response(request)
