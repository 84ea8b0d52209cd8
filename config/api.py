"""The API's error envelope: ``{"error": {"code", "message", "fields"}}`` for every error."""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from config.errors import STATUS_BY_CODE, DomainError
from config.parsers import PayloadTooLarge

logger = logging.getLogger(__name__)

DRF_CODES = {
    exceptions.ValidationError: "invalid",
    exceptions.ParseError: "invalid",
    exceptions.UnsupportedMediaType: "invalid",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "not_authenticated",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.Throttled: "rate_limited",
    exceptions.NotAcceptable: "invalid",
    PayloadTooLarge: "payload_too_large",
}


def encodable(text: str) -> str:
    """``text`` with any lone surrogate replaced: a message or field name that echoes client
    input must still render as UTF-8 (else the 400 would become a 500)."""
    return text.encode("utf-8", "replace").decode()


def error_response(
    code: str, message: str, fields: dict[str, Any] | None = None, *, status_code: int | None = None
) -> Response:
    fields = {
        encodable(str(name)): [encodable(str(m)) for m in messages]
        for name, messages in (fields or {}).items()
    }
    body = {"error": {"code": code, "message": encodable(message), "fields": fields}}
    return Response(body, status=status_code or STATUS_BY_CODE.get(code, 400))


def flatten_fields(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested validation detail as ``{"field" or "field.sub": ["message", …]}``."""
    if isinstance(detail, dict):
        fields: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = key if not prefix else f"{prefix}.{key}"
            if key == "non_field_errors" and not prefix:
                name = "non_field_errors"
            fields.update(flatten_fields(value, name))
        return fields
    if isinstance(detail, list) and detail and all(isinstance(d, (dict, list)) for d in detail):
        fields = {}
        for index, value in enumerate(detail):
            fields.update(flatten_fields(value, f"{prefix}.{index}" if prefix else str(index)))
        return fields
    messages = detail if isinstance(detail, list) else [detail]
    return {prefix or "non_field_errors": [str(m) for m in messages]}


#: Seconds a client should wait before retrying while the database is away.
RETRY_AFTER_DB_DOWN = 5


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return error_response(exc.code, exc.message, exc.fields)
    if _database_away(exc):
        # A restart or failover, not the client's input: tell it to come back (a booking
        # retried with its Idempotency-Key cannot be made twice).
        logger.warning("database unavailable: %s", exc)
        answer = error_response("unavailable", "The service is briefly unavailable; retry.")
        answer["Retry-After"] = str(RETRY_AFTER_DB_DOWN)
        return answer
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):  # Django's own limit, when it reads the body first
        exc = PayloadTooLarge()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = next((c for cls, c in DRF_CODES.items() if isinstance(exc, cls)), "invalid")
    if isinstance(exc, exceptions.ValidationError):
        fields = flatten_fields(exc.detail)
        message = "Some fields are not valid."
        if list(fields) == ["non_field_errors"]:
            message = fields["non_field_errors"][0]
    else:
        fields = {}
        message = str(getattr(exc, "detail", exc))
    if response.status_code == status.HTTP_429_TOO_MANY_REQUESTS and code != "rate_limited":
        code = "rate_limited"
    envelope = error_response(code, message, fields, status_code=response.status_code)
    for header, value in response.items():
        envelope[header] = value  # keeps Retry-After, WWW-Authenticate, Allow
    return envelope


def _database_away(exc: BaseException) -> bool:
    """The database connection failed (server gone or restarting), as opposed to a query
    that is wrong, which stays a 500 worth fixing."""
    return isinstance(exc, (OperationalError, InterfaceError))
