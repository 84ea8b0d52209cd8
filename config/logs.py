"""Logging: one JSON object per line, a request id on every record, no manage tokens.

The request id comes from ``X-Request-ID`` (or is made up), is sent back in the answer,
and travels to the Celery tasks the request enqueues in a message header, so one id ties
the access line, the app's lines and the worker's lines together.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import uuid
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")

HEADER = "X-Request-ID"
TASK_HEADER = "request_id"
# A caller's id is taken only if it is short and plain (it is echoed into logs and headers).
ACCEPTED_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# Manage links carry the booking's bearer token in the path: /schedule/manage/<token>/…
# and /api/v1/public/bookings/<token>/…
TOKEN_IN_PATH = re.compile(r"(/schedule/manage/|/public/bookings/)[^/\s?#\"']+")
REDACTED = r"\1[redacted]"


def redact(text: str) -> str:
    return TOKEN_IN_PATH.sub(REDACTED, text)


class RedactTokensFilter(logging.Filter):
    """Replaces manage tokens in the message (gunicorn's access line, Django's request
    warnings, anything of ours that logs a manage URL)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message", "request_id", "exception"?}`` per line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "") or request_id_var.get(),
        }
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


class RequestIdMiddleware:
    """Takes the caller's ``X-Request-ID`` (or makes one) for the request's logs and tasks,
    and answers with it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get(HEADER, "")
        request_id = given if ACCEPTED_ID.match(given) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response[HEADER] = request_id
        return response


def connect_celery_signals() -> None:
    """Carry the id in the task message's headers and restore it around the task's run."""
    from celery import signals

    @signals.before_task_publish.connect(weak=False)
    def _stamp(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
        if headers is not None and request_id_var.get():
            headers.setdefault(TASK_HEADER, request_id_var.get())

    @signals.task_prerun.connect(weak=False)
    def _restore(task: Any = None, **kwargs: Any) -> None:
        # A worker puts a message's custom headers on the task's request.
        given = getattr(task.request, TASK_HEADER, None) if task else None
        if given:  # eager tasks run inside the request and already have it
            task.request.request_id_token = request_id_var.set(given)

    @signals.task_postrun.connect(weak=False)
    def _clear(task: Any = None, **kwargs: Any) -> None:
        token = getattr(task.request, "request_id_token", None) if task else None
        if token is not None:
            request_id_var.reset(token)
