"""Serializer fields every API of the project uses, so that what the OpenAPI schema says a
value may be is exactly what the API accepts (one validation, docs/style.md).

Text never reaches the database or an email header with a NUL (PostgreSQL refuses it), a
lone surrogate (not encodable as UTF-8) or, in single-line fields, a control character
(a CR/LF in a name would break the subject line of the seller's email). The same rules are
the ``pattern`` drf-spectacular writes into the schema (it reads the RegexValidator).
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from functools import cache
from typing import Any

from django.core.validators import RegexValidator
from django.db import models
from django_countries import countries
from rest_framework import serializers
from rest_framework.fields import flatten_choices_dict, to_choices_dict

from sellers.fields import TimezoneField as TimezoneModelField

# Characters no text field accepts: NUL..US except TAB/LF/CR, and DEL. (Lone surrogates:
# DRF's CharField refuses them itself; they stay out of the schema's patterns because
# JSON Schema regex engines without surrogates cannot compile such a pattern.)
_NEVER = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f"
# Single-line fields also refuse TAB, LF, CR and the Unicode line/paragraph separators.
_NOT_IN_LINE = r"\u0000-\u001f\u007f\u2028\u2029"
_SURROGATE = re.compile("[\ud800-\udfff]")

# "+", not "*": DRF answers a blank value before any validator runs, and drf-spectacular
# writes allow_blank as oneOf(pattern, maxLength 0), which must not both match "".
MULTILINE = RegexValidator(rf"^[^{_NEVER}]+\Z", "Control characters are not allowed.")
SINGLE_LINE = RegexValidator(
    rf"^[^{_NOT_IN_LINE}]+\Z",
    "Line breaks and control characters are not allowed.",
)
# Not blank: at least one character that survives the trimming DRF does.
SINGLE_LINE_NOT_BLANK = RegexValidator(
    rf"^[^{_NOT_IN_LINE}]*[^\s{_NOT_IN_LINE}][^{_NOT_IN_LINE}]*\Z",
    "Line breaks and control characters are not allowed.",
)
MULTILINE_NOT_BLANK = RegexValidator(
    rf"^[^{_NEVER}]*[^\s{_NEVER}][^{_NEVER}]*\Z",
    "Control characters are not allowed.",
)


def text_validator(*, multiline: bool, allow_blank: bool) -> RegexValidator:
    if multiline:
        return MULTILINE if allow_blank else MULTILINE_NOT_BLANK
    return SINGLE_LINE if allow_blank else SINGLE_LINE_NOT_BLANK


def is_clean_text(value: str, *, multiline: bool = False) -> bool:
    """True when ``value`` has none of the characters the text fields refuse."""
    pattern = re.compile(text_validator(multiline=multiline, allow_blank=True).regex)
    return not value or (pattern.match(value) is not None and not _SURROGATE.search(value))


class TextField(serializers.CharField):
    """A string (never a number turned into one), single-line unless ``multiline``."""

    default_error_messages = {"invalid": "Must be text."}

    def __init__(self, *, multiline: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators.append(text_validator(multiline=multiline, allow_blank=self.allow_blank))

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class MultilineTextField(TextField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(multiline=True, **kwargs)


class EmailField(serializers.EmailField):
    """An email address: a string, single-line like every header value."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 254)
        super().__init__(**kwargs)
        self.validators.append(SINGLE_LINE)

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class _NamedChoiceField(serializers.ChoiceField):
    """A choice among names; refuses anything but clean text before looking it up, so the
    error message never echoes a character the JSON renderer cannot encode."""

    def __init__(self, **kwargs: Any) -> None:
        for name in ("max_length", "min_length", "trim_whitespace"):
            kwargs.pop(name, None)  # ModelSerializer passes the model CharField's options
        super().__init__(choices=(), **kwargs)

    def _set_choices(self, choices: Any) -> None:
        # The names never change: DRF's tables of them are built once per class instead
        # of for every serializer (each one copies its fields, hundreds of zones each time).
        tables = _choice_tables(tuple(self.names()))
        self.grouped_choices, self._choices, self.choice_strings_to_values = tables

    choices = property(serializers.ChoiceField._get_choices, _set_choices)

    @staticmethod
    def names() -> list[str]:
        raise NotImplementedError

    def normalise(self, data: str) -> str:
        return data

    def to_internal_value(self, data: Any) -> Any:
        if data == "" and self.allow_blank:
            return ""
        if not isinstance(data, str) or not is_clean_text(data):
            self.fail("invalid_choice", input="This value")
        if self.normalise(data) not in self.choices:
            self.fail("invalid_choice", input=repr(data))
        return super().to_internal_value(self.normalise(data))


@cache
def _choice_tables(
    names: tuple[str, ...],
) -> tuple[dict[Any, Any], dict[Any, Any], dict[str, Any]]:
    """What DRF's ChoiceField derives from its choices, for one field class's names."""
    grouped = to_choices_dict(names)
    flat = flatten_choices_dict(grouped)
    return grouped, flat, {str(name): name for name in flat}


@cache
def _country_codes() -> list[str]:
    return sorted(code for code, _name in countries)


@cache
def _timezone_names() -> list[str]:
    return sorted(zoneinfo.available_timezones())


class TimezoneField(_NamedChoiceField):
    """An IANA timezone name (the schema lists them)."""

    default_error_messages = {
        "invalid_choice": "{input} is not an IANA timezone name such as 'America/Lima'."
    }

    @staticmethod
    def names() -> list[str]:
        return _timezone_names()


class CountryCodeField(_NamedChoiceField):
    """An ISO 3166-1 alpha-2 code, any case; returned upper-case."""

    default_error_messages = {"invalid_choice": "{input} is not an ISO 3166-1 alpha-2 code."}

    @staticmethod
    def names() -> list[str]:
        return _country_codes()

    def normalise(self, data: str) -> str:
        return data.strip().upper()

    def to_representation(self, value: Any) -> str:
        return str(value or "")  # a model's Country object, "" when blank


class OffsetDateTimeField(serializers.DateTimeField):
    """An ISO 8601 date and time WITH its UTC offset (the contract refuses naive ones),
    returned in UTC: PostgreSQL takes offsets up to 15:59 only, Python up to 23:59."""

    default_error_messages = {"invalid": "Give a date and time with its UTC offset."}

    def to_internal_value(self, value: Any) -> dt.datetime:
        if isinstance(value, str):
            try:
                parsed = dt.datetime.fromisoformat(value.strip())
                if parsed.utcoffset() is not None:
                    return parsed.astimezone(dt.UTC)  # OverflowError: no such UTC instant
            except (ValueError, OverflowError):
                pass
        self.fail("invalid")


def json_problem(value: Any) -> str | None:
    """Why a JSON value cannot be stored (a key or a string with a NUL, a lone surrogate,
    or a control character in a key), or None."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str) and not is_clean_text(item, multiline=True):
            return "Control characters and invalid Unicode are not allowed."
        if isinstance(item, dict):
            if not all(isinstance(key, str) and is_clean_text(key) for key in item):
                return "Keys may not hold line breaks, control characters or invalid Unicode."
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


class JSONField(serializers.JSONField):
    """Any JSON value whose keys and strings are clean text (see ``json_problem``)."""

    def to_internal_value(self, data: Any) -> Any:
        value = super().to_internal_value(data)
        problem = json_problem(value)
        if problem:
            raise serializers.ValidationError(problem)
        return value


class JSONObjectField(serializers.DictField):
    """A JSON object whose keys and strings are clean text."""

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        value = super().to_internal_value(data)
        problem = json_problem(value)
        if problem:
            raise serializers.ValidationError(problem)
        return value


class ChoiceField(serializers.ChoiceField):
    """DRF's choice field, but its error never echoes unencodable input."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str) and not is_clean_text(data):
            self.fail("invalid_choice", input="This value")
        return super().to_internal_value(data)


# Every model serializer of the API: model text, email and JSON columns get the project's
# fields above, so no serializer can forget them. (A comment: drf-spectacular would show a
# docstring as the description of every serializer without its own.)
class ModelSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: TextField,
        models.TextField: MultilineTextField,
        models.EmailField: EmailField,
        models.JSONField: JSONField,
        TimezoneModelField: TimezoneField,
    }
    serializer_choice_field = ChoiceField
