"""Checking a booking request field by field: every problem at once, nothing stored.

Pure apart from reading settings: the service calls `clean_request` before it touches the
database, then checks the slot itself against the offered slots.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django_countries import countries

from config.errors import Invalid
from sellers.api.fields import is_clean_text
from sellers.fields import validate_timezone

Errors = dict[str, list[str]]


@dataclass(frozen=True)
class BookingRequest:
    """A prospect's request after cleaning: aware UTC ``start``, E.164 ``phone``."""

    start: dt.datetime
    timezone: str
    name: str
    email: str
    phone: str = ""
    company: str = ""
    country: str = ""
    city: str = ""
    answers: dict[str, Any] = field(default_factory=dict)
    notes: str = ""


def _add(errors: Errors, name: str, message: str) -> None:
    errors.setdefault(name, []).append(message)


def normalise_phone(raw: str, country: str = "") -> str:
    """E.164 for a phone number, read with the country as a hint; ValueError if not valid."""
    try:
        number = phonenumbers.parse(raw, (country or None) and country.upper())
    except phonenumbers.NumberParseException as exc:
        raise ValueError(
            "Enter a valid phone number with its country code, e.g. +51 912 345 678."
        ) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError("This phone number is not valid.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def clean_email(raw: Any) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise ValueError("This field is required.")
    email = raw.strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValueError("Enter a valid email address.") from exc
    if len(email) > 254:
        raise ValueError("Enter a valid email address.")
    return email


def _text(
    errors: Errors,
    name: str,
    value: Any,
    *,
    max_length: int,
    required: bool,
    multiline: bool = False,
) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        _add(errors, name, "Must be text.")
        return ""
    value = value.strip()
    # The API's serializers refuse these already; the admin and other edges come here only.
    if not is_clean_text(value, multiline=multiline):
        refused = "Control characters" if multiline else "Line breaks and control characters"
        _add(errors, name, f"{refused} are not allowed.")
    elif required and not value:
        _add(errors, name, "This field is required.")
    elif len(value) > max_length:
        _add(errors, name, f"At most {max_length} characters.")
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value is False


def clean_answers(
    questions: list[dict[str, Any]], answers: Any, country: str, errors: Errors
) -> dict[str, Any]:
    """Answers checked per question type; unknown keys are refused. Errors go to
    ``answers.<key>`` (or ``answers`` when the value is not an object)."""
    if answers is None:
        answers = {}
    if not isinstance(answers, Mapping):
        _add(errors, "answers", "Must be an object of question keys to answers.")
        return {}
    known = {q["key"]: q for q in questions}
    for key in answers:
        if key not in known:
            _add(errors, f"answers.{key}", "There is no such question.")
    cleaned: dict[str, Any] = {}
    for key, question in known.items():
        name = f"answers.{key}"
        value = answers.get(key)
        kind = question.get("type", "text")
        if _empty(value):
            if question.get("required"):
                _add(errors, name, "This question is required.")
            continue
        options = question.get("options") or []
        if kind in ("text", "textarea"):
            if not isinstance(value, str):
                _add(errors, name, "Must be text.")
                continue
            if len(value) > (5000 if kind == "textarea" else 500):
                _add(errors, name, "Too long.")
                continue
            cleaned[key] = value.strip()
        elif kind == "email":
            try:
                cleaned[key] = clean_email(value)
            except ValueError as exc:
                _add(errors, name, str(exc))
        elif kind == "phone":
            if not isinstance(value, str):
                _add(errors, name, "Must be text.")
                continue
            try:
                cleaned[key] = normalise_phone(value, country)
            except ValueError as exc:
                _add(errors, name, str(exc))
        elif kind == "number":
            if not _is_number(value):
                _add(errors, name, "Must be a number.")
                continue
            cleaned[key] = value
        elif kind == "select":
            if not isinstance(value, str) or value not in options:
                _add(errors, name, f"Choose one of: {', '.join(options)}.")
                continue
            cleaned[key] = value
        elif kind == "multiselect":
            if (
                not isinstance(value, list)
                or not all(isinstance(v, str) and v in options for v in value)
                or len(set(value)) != len(value)
            ):
                _add(errors, name, f"Choose any of: {', '.join(options)}.")
                continue
            cleaned[key] = value
        elif kind == "checkbox":
            if not isinstance(value, bool):
                _add(errors, name, "Must be true or false.")
                continue
            cleaned[key] = value
    return cleaned


def clean_timezone(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError("This field is required.")
    try:
        validate_timezone(value)
    except ValidationError as exc:
        raise ValueError(exc.messages[0]) from exc
    return value


def to_utc(value: Any) -> dt.datetime | None:
    """An aware datetime in UTC, or None when ``value`` is not one (naive, not a datetime,
    or out of range once converted)."""
    if not isinstance(value, dt.datetime) or value.tzinfo is None or value.utcoffset() is None:
        return None
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:
        return None


def check_start_time(
    start: dt.datetime,
    *,
    now: dt.datetime,
    min_notice: int,
    max_days_ahead: int,
    zone: str,
) -> str | None:
    """Why ``start`` can never be booked (past, notice, window), or None."""
    if start <= now:
        return "This time is in the past."
    if start < now + dt.timedelta(minutes=min_notice):
        return f"This time is inside the minimum notice of {min_notice} minutes."
    past_window = f"This time is past the booking window of {max_days_ahead} days."
    if start - now > dt.timedelta(days=max_days_ahead + 2):  # also keeps astimezone in range
        return past_window
    tz = ZoneInfo(zone)
    last_day = now.astimezone(tz).date() + dt.timedelta(days=max_days_ahead)
    if start.astimezone(tz).date() > last_day:
        return past_window
    return None


def clean_request(
    *,
    questions: list[dict[str, Any]],
    start: Any,
    timezone: Any,
    name: Any,
    email: Any,
    phone: Any = "",
    company: Any = "",
    country: Any = "",
    city: Any = "",
    answers: Any = None,
    notes: Any = "",
) -> BookingRequest:
    """Every field checked; raises ``Invalid`` with all per-field errors at once."""
    errors: Errors = {}
    start = to_utc(start)
    if start is None:
        _add(errors, "start", "Give a date and time with its UTC offset.")
    try:
        tz_name = clean_timezone(timezone)
    except ValueError as exc:
        _add(errors, "timezone", str(exc))
        tz_name = ""
    name = _text(errors, "name", name, max_length=200, required=True)
    try:
        email = clean_email(email)
    except ValueError as exc:
        _add(errors, "email", str(exc))
        email = ""
    company = _text(errors, "company", company, max_length=200, required=False)
    city = _text(errors, "city", city, max_length=100, required=False)
    notes = _text(errors, "notes", notes, max_length=5000, required=False, multiline=True)
    country = _text(errors, "country", country, max_length=2, required=False).upper()
    if country and countries.alpha2(country) != country:
        _add(errors, "country", f"{country!r} is not an ISO 3166-1 alpha-2 country code.")
        country = ""
    phone = _text(errors, "phone", phone, max_length=40, required=False)
    if phone:
        try:
            phone = normalise_phone(phone, country)
        except ValueError as exc:
            _add(errors, "phone", str(exc))
    cleaned_answers = clean_answers(questions, answers, country, errors)
    if errors:
        raise Invalid("Some fields are not valid.", errors)
    assert start is not None
    return BookingRequest(
        start=start,
        timezone=tz_name,
        name=name,
        email=email,
        phone=phone,
        company=company,
        country=country,
        city=city,
        answers=cleaned_answers,
        notes=notes,
    )
