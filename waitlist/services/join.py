"""Joining the waitlist (one service for the booking page, the public API, the voice agent
and the admin), completing the registration, leaving."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from bookings.services import NotActive, SlotUnavailable
from bookings.services.common import free_sellers
from bookings.validation import check_start_time, clean_email, clean_timezone, normalise_phone
from config.errors import Conflict, Invalid
from routing import services as routing
from scheduling.models import MeetingType
from waitlist import events
from waitlist.models import WaitlistEntry, WaitlistRule, WaitlistSlot, WaitlistToken
from waitlist.services import messages, tokens
from waitlist.services.alternatives import AlternativeRule, alternatives_for

MAX_ALTERNATIVES = 48
MAX_PARTY_SIZE = 100


@dataclass(frozen=True)
class JoinResult:
    entry: WaitlistEntry
    token: str
    created: bool


@dataclass(frozen=True)
class Person:
    """A person's details, cleaned (``clean_person``)."""

    first_name: str
    last_name: str
    phone: str
    email: str


def page_rule(meeting_type: MeetingType) -> AlternativeRule:
    row = WaitlistRule.objects.filter(page_id=meeting_type.page_id).first()
    if row is None:
        return AlternativeRule()
    return AlternativeRule(
        enabled=row.alternatives_enabled,
        window_start=row.window_start,
        window_end=row.window_end,
        step_minutes=row.step_minutes,
    )


def _text(errors: dict, name: str, value: Any, *, required: bool, max_length: int = 100) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str) or len(value.strip()) > max_length:
        errors[name] = [f"Enter at most {max_length} characters."]
        return ""
    if required and not value.strip():
        errors[name] = ["This field is required."]
    return value.strip()


def clean_person(errors: dict, first_name: Any, last_name: Any, phone: Any, email: Any) -> Person:
    """Names, phone (E.164) and optional email; problems go into ``errors``."""
    person = {
        "first_name": _text(errors, "first_name", first_name, required=True),
        "last_name": _text(errors, "last_name", last_name, required=False),
        "phone": "",
        "email": "",
    }
    try:
        person["phone"] = normalise_phone(phone if isinstance(phone, str) else "")
    except ValueError as exc:
        errors["phone"] = [str(exc)]
    if email not in (None, ""):
        try:
            person["email"] = clean_email(email)
        except ValueError as exc:
            errors["email"] = [str(exc)]
    return Person(**person)


def aware(value: Any) -> dt.datetime | None:
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    if isinstance(value, dt.datetime) and value.utcoffset() is not None:
        return value
    return None


def _clean_alternatives(errors: dict, value: Any, start: dt.datetime | None) -> list[dt.datetime]:
    if not isinstance(value, list) or len(value) > MAX_ALTERNATIVES:
        errors["alternatives"] = [f"Give a list of at most {MAX_ALTERNATIVES} datetimes."]
        return []
    times = [aware(v) for v in value]
    if any(t is None for t in times):
        errors["alternatives"] = ["Each alternative must be a datetime with an offset."]
        return []
    return sorted({t for t in times if t is not None and t != start})


def _clean_party(errors: dict, value: Any) -> int:
    if value is None:
        return 1
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_PARTY_SIZE:
        errors["party_size"] = [f"A whole number from 1 to {MAX_PARTY_SIZE}."]
        return 1
    return value


def _check_taken(meeting_type: MeetingType, start: dt.datetime, now: dt.datetime) -> None:
    """The start must be an offered boundary inside the window, and taken: a free one is
    409 ``conflict`` (book it instead); one never offered is 400 ``invalid``."""
    problem = check_start_time(
        start,
        now=now,
        min_notice=meeting_type.min_notice,
        max_days_ahead=meeting_type.max_days_ahead,
        zone=meeting_type.page.timezone,
    )
    if problem:
        raise Invalid(problem, {"start": [problem]})
    try:
        free_sellers(meeting_type, routing.page_pool(meeting_type.page).sellers, start, now=now)
    except SlotUnavailable:
        return
    raise Conflict(
        "This time is free: book it instead of joining the waitlist.",
        {"start": ["This time is free. Book it instead."]},
    )


def join_waitlist(
    *,
    meeting_type: MeetingType,
    start: Any,
    timezone_name: Any,
    first_name: Any,
    phone: Any,
    last_name: Any = "",
    email: Any = "",
    party_size: Any = None,
    alternatives: Any = None,
    source: str = WaitlistEntry.Source.WEB,
    language: str = "",
    now: dt.datetime | None = None,
) -> JoinResult:
    """Put a person on the waitlist for a taken ``start`` of ``meeting_type`` (pass it with
    ``select_related("page")``). ``alternatives`` None: the page's rule. Validates
    everything first (``Invalid`` with every field error; ``Conflict`` when the start is
    free). Idempotent per phone and start: joining again refreshes details and returns the
    same entry (``created`` False) with a fresh registration link. Writes the slot row (one
    per meeting type and start), the entry, a registration token; texts the link after
    commit."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    when = aware(start)
    if when is None:
        errors["start"] = ["A datetime with an offset is required."]
    try:
        zone = clean_timezone(timezone_name)
    except ValueError as exc:
        errors["timezone"] = [str(exc)]
    person = clean_person(errors, first_name, last_name, phone, email)
    size = _clean_party(errors, party_size)
    others = [] if alternatives is None else _clean_alternatives(errors, alternatives, when)
    if errors:
        raise Invalid("Some fields are not valid.", errors)
    assert when is not None
    _check_taken(meeting_type, when, now)
    if alternatives is None:
        others = alternatives_for(when, meeting_type.page.timezone, page_rule(meeting_type))
    others = [t for t in others if t > now]
    language = language or getattr(meeting_type.page, "default_language", "") or ""
    with transaction.atomic():
        slot = _slot(meeting_type, when)
        entry, created = _upsert(slot, person, size, zone, others, source, language)
        token = tokens.mint(entry, WaitlistToken.Kind.REGISTRATION, _waits_until(entry))
        if created:
            events.joined(entry)
        messages.send_after_commit(entry, messages.registration_text(entry, tokens.link(token)))
    return JoinResult(entry, token, created)


@transaction.atomic
def resend_registration(*, entry: WaitlistEntry) -> str:
    """Text the entry a fresh registration link (staff, from the dashboard): a new token,
    the same text joining sends; returns the token. Not idempotent: each call is one more
    text."""
    token = tokens.mint(entry, WaitlistToken.Kind.REGISTRATION, _waits_until(entry))
    messages.send_after_commit(entry, messages.registration_text(entry, tokens.link(token)))
    return token


def _slot(meeting_type: MeetingType, start: dt.datetime) -> WaitlistSlot:
    """The slot row of this time, locked: joins of one slot queue one at a time."""
    end = start + dt.timedelta(minutes=meeting_type.duration)
    WaitlistSlot.objects.get_or_create(
        meeting_type=meeting_type,
        start=start,
        defaults={"end": end, "business_name": meeting_type.page.name[:200]},
    )
    return WaitlistSlot.objects.select_for_update().get(meeting_type=meeting_type, start=start)


def _upsert(
    slot: WaitlistSlot,
    person: Person,
    size: int,
    zone: str,
    others: list[dt.datetime],
    source: str,
    language: str,
) -> tuple[WaitlistEntry, bool]:
    fields = {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
        "party_size": size,
        "timezone": zone,
        "alternatives": [t.isoformat() for t in others],
        "language": language,
    }
    live = slot.entries.filter(phone=person.phone, status__in=WaitlistEntry.LIVE).first()
    if live is not None:
        for name, value in fields.items():
            setattr(live, name, value)
        live.save(update_fields=[*fields, "updated_at"])
        return live, False
    entry = WaitlistEntry.objects.create(
        slot=slot, phone=person.phone, requested_slot=slot.start, source=source, **fields
    )
    return entry, True


def meeting_type_of(entry: WaitlistEntry) -> MeetingType:
    """What the entry would book. Entries made here always have one; a slot watched only on
    an external calendar may not, and cannot be booked here."""
    meeting_type = entry.slot.meeting_type
    if meeting_type is None:
        raise NotActive("This waitlist entry is not for one of our booking pages.")
    return meeting_type


def wanted_starts(entry: WaitlistEntry) -> list[dt.datetime]:
    """The times an entry waits for: its picks, else its requested time and alternatives."""
    values = entry.selected_slots or [entry.requested_slot, *entry.alternatives]
    times = [aware(v) if not isinstance(v, dt.datetime) else v for v in values]
    return [t for t in times if t is not None]


def _waits_until(entry: WaitlistEntry) -> dt.datetime:
    return max([entry.requested_slot, *wanted_starts(entry)])


def position(entry: WaitlistEntry) -> int | None:
    """1 for the next in line on its slot (priority, then join time); None once it left."""
    if entry.status not in WaitlistEntry.LIVE:
        return None
    before = Q(priority__lt=entry.priority) | Q(
        priority=entry.priority, created_at__lt=entry.created_at
    )
    return entry.slot.entries.filter(before, status__in=WaitlistEntry.LIVE).count() + 1


@transaction.atomic
def confirm_registration(
    *,
    entry: WaitlistEntry,
    first_name: Any,
    phone: Any,
    selected_slots: Any,
    last_name: Any = "",
    email: Any = "",
) -> WaitlistEntry:
    """The person completes their details and picks their times (a subset of the requested
    time and its alternatives, ``Invalid`` otherwise). Idempotent."""
    errors: dict[str, list[str]] = {}
    person = clean_person(errors, first_name, last_name, phone, email)
    offered = {t.astimezone(dt.UTC) for t in [entry.requested_slot, *_alternatives(entry)]}
    picked = _clean_alternatives(errors, selected_slots, None)
    if not errors and (not picked or any(t.astimezone(dt.UTC) not in offered for t in picked)):
        errors["selected_slots"] = ["Pick one or more of the times offered."]
    if errors:
        raise Invalid("Some fields are not valid.", errors)
    entry.first_name, entry.last_name = person.first_name, person.last_name
    entry.phone, entry.email = person.phone, person.email
    entry.selected_slots = [t.isoformat() for t in picked]
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError as exc:  # the live entry of that phone for this time is another
        raise Invalid(
            "This phone is already waiting for this time.",
            {"phone": ["This phone is already on the list for this time."]},
        ) from exc
    return entry


def _alternatives(entry: WaitlistEntry) -> list[dt.datetime]:
    return [t for t in (aware(v) for v in entry.alternatives) if t is not None]
