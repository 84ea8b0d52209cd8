"""Domain errors: services raise them, the API edge turns them into the contract's envelope."""

from typing import ClassVar

# The error codes of the HTTP contract and their statuses.
STATUS_BY_CODE: dict[str, int] = {
    "invalid": 400,
    "not_authenticated": 401,
    "permission_denied": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "slot_unavailable": 409,
    "not_active": 409,
    "conflict": 409,
    "token_expired": 410,
    "payload_too_large": 413,
    "frequency_limit": 429,
    "rate_limited": 429,
    "unavailable": 503,
}


class DomainError(Exception):
    """A rule of the domain said no. ``code`` is one of the contract's error codes."""

    code: ClassVar[str] = "invalid"

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class Invalid(DomainError):
    code = "invalid"


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    code = "conflict"
