"""Validation of a meeting type's JSON settings (questions, reminder offsets)."""

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

QUESTION_TYPES = (
    "text",
    "textarea",
    "email",
    "phone",
    "number",
    "select",
    "multiselect",
    "checkbox",
)
CHOICE_TYPES = ("select", "multiselect")
QUESTION_KEY = re.compile(r"^[a-z][a-z0-9_]{0,49}$")


def validate_questions(value: Any) -> None:
    """A list of {key, label, type, required, options}; keys unique, options for choices."""
    if not isinstance(value, list):
        raise ValidationError("Questions must be a list.")
    keys: set[str] = set()
    for index, question in enumerate(value):
        where = f"Question {index + 1}"
        if not isinstance(question, dict):
            raise ValidationError(f"{where} must be an object.")
        unknown = set(question) - {"key", "label", "type", "required", "options", "help"}
        if unknown:
            raise ValidationError(f"{where} has unknown fields: {', '.join(sorted(unknown))}.")
        key = question.get("key")
        if not isinstance(key, str) or not QUESTION_KEY.match(key):
            raise ValidationError(f"{where}: key must be lower_snake_case, at most 50 characters.")
        if key in keys:
            raise ValidationError(f"{where}: key {key!r} is used twice.")
        keys.add(key)
        if not isinstance(question.get("label"), str) or not question["label"].strip():
            raise ValidationError(f"{where}: label is required.")
        if question.get("type") not in QUESTION_TYPES:
            raise ValidationError(f"{where}: type must be one of {', '.join(QUESTION_TYPES)}.")
        if not isinstance(question.get("required", False), bool):
            raise ValidationError(f"{where}: required must be true or false.")
        options = question.get("options", [])
        if not isinstance(options, list) or not all(isinstance(o, str) and o for o in options):
            raise ValidationError(f"{where}: options must be a list of non-empty strings.")
        if question["type"] in CHOICE_TYPES and not options:
            raise ValidationError(f"{where}: a {question['type']} question needs options.")


def validate_reminder_offsets(value: Any) -> None:
    """Minutes before the meeting at which reminders go out, e.g. [1440, 60]."""
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) and 5 <= v <= 60 * 24 * 30 for v in value
    ):
        raise ValidationError(_("Reminder offsets must be a list of minutes between 5 and 43200."))
    if len(set(value)) != len(value):
        raise ValidationError(_("Reminder offsets must not repeat."))


# Paths under /schedule/ that are not pages.
RESERVED_PAGE_SLUGS = frozenset({"manage", "s", "outcome"})


def validate_page_slug(value: str) -> None:
    if value in RESERVED_PAGE_SLUGS:
        raise ValidationError(f"{value!r} is reserved; choose another slug.")


# scheme://host[:port], nothing else: it goes verbatim into a CSP header.
EMBED_ORIGIN = re.compile(r"^https?://([a-z0-9.-]+|\[[0-9a-f:]+\])(:[0-9]{1,5})?\Z")


def validate_embed_origins(value: Any) -> None:
    """A list of origins such as ``https://www.example.com`` (lower case, no path, no
    wildcard): they go verbatim into the page's CSP ``frame-ancestors``."""
    if not isinstance(value, list):
        raise ValidationError("Embed origins must be a list.")
    for origin in value:
        if not isinstance(origin, str) or not EMBED_ORIGIN.match(origin):
            raise ValidationError(
                f"{origin!r} is not an origin: use https://host or https://host:port, lower case."
            )
