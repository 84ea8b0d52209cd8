"""`create_booking`: a prospect books a slot (the booking path of docs/architecture.md)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone as django_timezone

from bookings import metrics, tokens
from bookings.models import COUNTED_STATUSES, Booking, BookingEvent
from bookings.outbox.services import enqueue_booking_sync
from bookings.services.common import (
    DuplicateIdempotencyKey,
    FrequencyLimit,
    add_event,
    assign,
    busy,
    free_sellers,
    live_calendar_check,
    seller_is_free,
    sellers_with_calendars,
)
from bookings.validation import BookingRequest, check_start_time, clean_request
from config.errors import Conflict, DomainError, Invalid
from routing import services as routing
from routing.models import RoutingDecision
from scheduling.models import LocationType, MeetingType
from sellers.models import Seller

#: Location types whose details (address, number, link) are the meeting's location.
DETAILS_ARE_LOCATION = (LocationType.IN_PERSON, LocationType.PHONE, LocationType.CUSTOM)


@dataclass(frozen=True)
class BookingResult:
    """The booking, its manage token (never stored) and whether this call created it
    (False: an Idempotency-Key replay)."""

    booking: Booking
    manage_token: str
    created: bool


def fingerprint(meeting_type: MeetingType, body: dict[str, Any]) -> str:
    """SHA-256 of the request as canonical JSON (sorted keys, no spaces)."""
    canonical = json.dumps(
        {"page": meeting_type.page.slug, "meeting_type": meeting_type.slug, "body": body},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(meeting_type: MeetingType, key: str, print_: str) -> BookingResult | None:
    existing = (
        Booking.objects.select_related("seller", "meeting_type", "meeting_type__page")
        .filter(idempotency_key=tokens.key_digest(key))
        .first()
    )
    if existing is None:
        return None
    if existing.idempotency_fingerprint != print_:
        raise Conflict(
            "This Idempotency-Key was already used with a different request.",
            {"Idempotency-Key": ["Use a new key for a new request."]},
        )
    return BookingResult(existing, tokens.token_for_idempotency_key(key), created=False)


def _serialise_email(email: str) -> None:
    """Inside the booking's transaction: one booking per email address at a time, so the
    frequency limit re-counted after this cannot be overrun by concurrent requests
    (a PostgreSQL transaction-level advisory lock; SQLite's write transaction already
    serialises every booking)."""
    if connection.vendor != "postgresql":
        return
    key = int.from_bytes(hashlib.sha256(b"booking-email\x00" + email.encode()).digest()[:8], "big")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key - (1 << 63)])


def _check_frequency(meeting_type: MeetingType, email: str, now: dt.datetime) -> None:
    limit = meeting_type.max_bookings_per_email or settings.MAX_BOOKINGS_PER_EMAIL
    days = meeting_type.frequency_window_days or settings.FREQUENCY_WINDOW_DAYS
    made = Booking.objects.filter(
        email=email, status__in=COUNTED_STATUSES, created_at__gte=now - dt.timedelta(days=days)
    ).count()
    if made >= limit:
        raise FrequencyLimit(
            f"This email already has {made} booking(s) in the last {days} days; "
            f"the limit is {limit}.",
            {"email": ["Booking limit reached for this email address."]},
        )


def create_booking(
    *,
    meeting_type: MeetingType,
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
    idempotency_key: str | None = None,
    source: str = Booking.Source.WEB,
    actor: str = "prospect",
    now: dt.datetime | None = None,
) -> BookingResult:
    """Book ``start`` (an aware datetime) of ``meeting_type`` for a prospect.

    Pass the meeting type with ``select_related("page", "page__seller")``. Steps: replay
    an Idempotency-Key → validate every field (``Invalid``, nothing stored) → the start
    must be an offered slot (``Invalid``; ``SlotUnavailable`` when it was and was just
    taken) → frequency limit per email (``FrequencyLimit``) → routing rules and strategy
    → per candidate: ``seller:start`` lock, row lock, re-check, insert (the exclusion
    constraint decides) → ``SlotUnavailable`` when nobody is left.

    Writes, in one transaction: the Booking, its RoutingDecision, a ``created``
    BookingEvent, the seller's metric, the round-robin cursor, ``Seller.last_assigned_at``
    and the outbox rows (workers poked after commit). Idempotent with a key: the same key
    and body return the first booking and write nothing; another body raises ``Conflict``.
    Without a key every successful call creates a booking.
    """
    now = now or django_timezone.now()
    body = {
        "start": start.isoformat() if isinstance(start, dt.datetime) else start,
        "timezone": timezone,
        "name": name,
        "email": email,
        "phone": phone,
        "company": company,
        "country": country,
        "city": city,
        "answers": answers,
        "notes": notes,
    }
    print_ = fingerprint(meeting_type, body)
    if idempotency_key is not None:
        if not idempotency_key or len(idempotency_key) > 255 or not idempotency_key.isprintable():
            raise Invalid(
                "The Idempotency-Key header is not valid.",
                {"Idempotency-Key": ["Use 1 to 255 printable characters."]},
            )
        replay = _replay(meeting_type, idempotency_key, print_)
        if replay is not None:
            return replay

    request = clean_request(questions=list(meeting_type.questions or []), **body | {"start": start})
    page = meeting_type.page
    problem = check_start_time(
        request.start,
        now=now,
        min_notice=meeting_type.min_notice,
        max_days_ahead=meeting_type.max_days_ahead,
        zone=page.timezone,
    )
    if problem:
        raise Invalid(problem, {"start": [problem]})

    page_pool = routing.page_pool(page, country=request.country)
    free = free_sellers(meeting_type, page_pool.sellers, request.start, now=now)
    _check_frequency(meeting_type, request.email, now)

    pool, pool_free, note = _apply_rules(meeting_type, request, page_pool, free, now)
    stats = routing.candidate_stats(
        pool_free, team_id=pool.team_id, now=now, with_arrival=pool.strategy == "weighted"
    )
    with_calendar = sellers_with_calendars(pool_free)

    token = (
        tokens.token_for_idempotency_key(idempotency_key) if idempotency_key else tokens.new_token()
    )
    attempt = _inserter(
        meeting_type=meeting_type,
        request=request,
        strategy=pool.strategy,
        token=token,
        idempotency_key=idempotency_key,
        fingerprint=print_,
        source=source,
        actor=actor,
        with_calendar=with_calendar,
    )

    def recount() -> None:  # in the transaction, one request per email at a time
        _serialise_email(request.email)
        _check_frequency(meeting_type, request.email, now)

    try:
        booking, _ = assign(
            pool=pool,
            candidates=stats,
            start=request.start,
            country=request.country,
            attempt=attempt,
            note=note,
            before=recount,
        )
    except DuplicateIdempotencyKey:
        assert idempotency_key is not None
        replay = _replay(meeting_type, idempotency_key, print_)
        if replay is None:  # the winner rolled back after all: nothing to replay
            raise
        return replay
    return BookingResult(booking, token, created=True)


def _apply_rules(
    meeting_type: MeetingType,
    request: BookingRequest,
    page_pool: routing.Pool,
    free: list[Seller],
    now: dt.datetime,
) -> tuple[routing.Pool, list[Seller], str]:
    """The pool a matching routing rule sends the prospect to, with its sellers free at
    the start; the page's own pool (and a note saying so) when nobody there is free."""
    ruled = routing.rule_pool(meeting_type.page, country=request.country, answers=request.answers)
    if ruled is None:
        return page_pool, free, ""
    try:
        return ruled, free_sellers(meeting_type, ruled.sellers, request.start, now=now), ""
    except DomainError:  # nobody of the rule's pool can take it; the page's pool can
        name = ruled.rule.name if ruled.rule else ""
        return page_pool, free, f"rule “{name}” matched, nobody there was free"


def _inserter(
    *,
    meeting_type: MeetingType,
    request: BookingRequest,
    strategy: str,
    token: str,
    idempotency_key: str | None,
    fingerprint: str,
    source: str,
    actor: str,
    with_calendar: set[Any],
) -> Callable[[Seller, Callable[[], RoutingDecision | None]], Booking]:
    start = request.start
    end = start + dt.timedelta(minutes=meeting_type.duration)
    blocked_start = start - dt.timedelta(minutes=meeting_type.buffer_before)
    blocked_end = end + dt.timedelta(minutes=meeting_type.buffer_after)
    details = meeting_type.location_details
    location = details if meeting_type.location_type in DETAILS_ARE_LOCATION else ""

    def insert(seller: Seller, decide: Callable[[], RoutingDecision | None]) -> Booking:
        # Serialises everything per seller that the exclusion constraint cannot say
        # (daily/weekly limits): one booking of this seller at a time from here on.
        locked = Seller.objects.select_for_update().get(pk=seller.pk)
        if not seller_is_free(
            seller=locked,
            meeting_type=meeting_type,
            start=start,
            blocked_start=blocked_start,
            blocked_end=blocked_end,
        ):
            raise busy()
        live, skipped = (
            live_calendar_check(locked, blocked_start, blocked_end)
            if locked.pk in with_calendar
            else (None, "")
        )
        if live is False:
            raise busy()
        decision = decide()
        booking = Booking(
            meeting_type=meeting_type,
            seller=locked,
            start=start,
            end=end,
            blocked_start=blocked_start,
            blocked_end=blocked_end,
            timezone=request.timezone,
            name=request.name,
            email=request.email,
            phone=request.phone,
            company=request.company,
            country=request.country,
            city=request.city,
            answers=request.answers,
            notes=request.notes,
            location_type=meeting_type.location_type,
            location=location,
            source=source,
            manage_token_hash=tokens.hash_token(token),
            manage_token_expires_at=end + settings.MANAGE_TOKEN_GRACE,
            idempotency_key=tokens.key_digest(idempotency_key) if idempotency_key else None,
            idempotency_fingerprint=fingerprint if idempotency_key else "",
            routing_strategy=strategy,
            routing_decision=decision,
        )
        booking.save(force_insert=True)
        add_event(
            booking,
            BookingEvent.Kind.CREATED,
            actor,
            seller=str(locked.pk),
            start=start.isoformat(),
            routing=decision.reason if decision else "",
        )
        if skipped:  # booked on the database's word alone: say so
            add_event(booking, BookingEvent.Kind.RECHECK_SKIPPED, "system", reason=skipped)
        metrics.count(booking=booking, counter="bookings")
        enqueue_booking_sync(
            booking=booking, action="create", payload={"manage_url": tokens.manage_url(token)}
        )
        return booking

    return insert
