"""`create_booking`: a prospect books a slot (the booking path of docs/architecture.md)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import F, Func, IntegerField
from django.utils import timezone as django_timezone

from bookings import metrics, tokens
from bookings.changes import BookingChange, announce
from bookings.models import COUNTED_STATUSES, Booking, BookingEvent, BookingStatus
from bookings.outbox.models import SyncJob
from bookings.outbox.services import enqueue_booking_sync
from bookings.services.common import (
    Actor,
    Claim,
    DuplicateIdempotencyKey,
    FrequencyLimit,
    Slot,
    Write,
    actor_label,
    add_event,
    assign,
    free_sellers,
    unblocked_sellers,
)
from bookings.validation import BookingRequest, check_start_time, clean_request
from config.errors import Conflict, DomainError, Invalid
from config.shaped import Shaped
from routing import services as routing
from routing.models import RoutingDecision
from routing.strategies import Fixed
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
    """SHA-256 of the request as canonical JSON (sorted keys, no spaces, ISO start)."""
    start = body["start"]
    body = body | {"start": start.isoformat() if isinstance(start, dt.datetime) else start}
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
    ((made,),) = _MADE.rows(email=email, since=now - dt.timedelta(days=days))
    if made >= limit:
        raise FrequencyLimit(
            f"This email already has {made} booking(s) in the last {days} days; "
            f"the limit is {limit}.",
            {"email": ["Booking limit reached for this email address."]},
        )


_MADE = Shaped(
    lambda shape, email, since: (
        Booking.objects.filter(email=email, status__in=COUNTED_STATUSES, created_at__gte=since)
        .order_by()
        .values_list(Func(F("pk"), function="COUNT", output_field=IntegerField()))
    )
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
    language: str = "",
    actor: Actor = None,
    seller: Seller | None = None,
    allow_outside_hours: bool = False,
    now: dt.datetime | None = None,
) -> BookingResult:
    """Book ``start`` (an aware datetime) of ``meeting_type`` for a prospect.

    Pass the meeting type with ``select_related("page", "page__seller")``. Steps: replay
    an Idempotency-Key → validate every field (``Invalid``, nothing stored) → the start
    must be an offered slot (``Invalid``; ``SlotUnavailable`` when it was and was just
    taken) → routing rules and strategy, or ``seller`` when the caller names one (one of
    the page's sellers) → ``assign``: the frequency limit per email counted under a lock
    on the email (``FrequencyLimit``), then per candidate ``seller:start`` lock, row lock,
    re-check, live check, insert (the exclusion constraint decides) → ``SlotUnavailable``
    when nobody is left.

    ``language``: the prospect's (es, fr, it, en), for every later message; empty: the
    page's default.

    ``allow_outside_hours`` (a staff override) skips the hours, notice, window, daily /
    weekly and per-email limits; never the overlap checks. ``actor``: who booked (None:
    the prospect). ``now``: the clock (seed data books in the past with an earlier one).

    With ``BOOKING_EMAIL_CONFIRMATION`` on, a prospect's booking (web or API, no actor) is
    written ``pending`` until ``confirm_by``: it holds the time and counts against the
    limits, but only the email asking to confirm goes out; ``confirm_booking`` makes it
    count (bookings.services.confirmation).

    Writes, in one transaction: the Booking, its RoutingDecision, a ``created`` event,
    the seller's metric, the round-robin cursor, ``Seller.last_assigned_at`` and the
    outbox rows. Idempotent with a key: the same key and body return the first booking
    and write nothing; another body raises ``Conflict``.
    """
    body = {"start": start, "timezone": timezone, "name": name, "email": email}
    body |= {"phone": phone, "company": company, "country": country, "city": city}
    body |= {"answers": answers, "notes": notes}
    rules = Rules(now=now or django_timezone.now(), outside_hours=allow_outside_hours)
    print_ = fingerprint(meeting_type, body)
    if idempotency_key is not None:
        replay = _replay(meeting_type, _valid_key(idempotency_key), print_)
        if replay is not None:
            return replay

    request = _clean(meeting_type, body, rules)
    slot = Slot.of(meeting_type, request.start)
    pool, free, note = _route(meeting_type, request, slot, rules, seller=seller, actor=actor)
    token = (
        tokens.token_for_idempotency_key(idempotency_key) if idempotency_key else tokens.new_token()
    )
    write = _writer(
        meeting_type,
        request,
        slot,
        pool.strategy,
        token=token,
        idempotency_key=idempotency_key,
        fingerprint=print_,
        source=source,
        language=language or meeting_type.page.default_language,
        actor=actor_label(actor, "prospect"),
        event={"outside_hours": True} if rules.outside_hours else None,  # on the record
        confirm_by=_confirm_by(source, actor, rules.now),
    )
    try:
        booking = _assign(meeting_type, request, slot, pool, free, write, rules, note)
    except DuplicateIdempotencyKey:
        assert idempotency_key is not None
        replay = _replay(meeting_type, idempotency_key, print_)
        if replay is None:  # the winner rolled back after all: nothing to replay
            raise
        return replay
    return BookingResult(booking, token, created=True)


def _confirm_by(source: str, actor: Actor, now: dt.datetime) -> dt.datetime | None:
    """Until when a prospect's booking awaits its email confirmation; None: it counts now."""
    prospect = actor is None and source in (Booking.Source.WEB, Booking.Source.API)
    if not (prospect and settings.BOOKING_EMAIL_CONFIRMATION):
        return None
    return now + dt.timedelta(minutes=settings.BOOKING_CONFIRMATION_MINUTES)


def make_it_count(booking: Booking, *, token: str, actor: str, new_booking: bool = False) -> None:
    """What makes a booking a meeting, in its transaction: the seller's metric, the outbox
    jobs (calendar, video, CRM, the emails with the manage link) and the ``created``
    announcement (reminders, webhooks). ``new_booking``: inserted in this transaction
    (``enqueue_booking_sync`` reads nothing back)."""
    url = tokens.manage_url(token)
    metrics.count(booking=booking, counter="bookings")
    enqueue_booking_sync(
        booking=booking, action="create", payload={"manage_url": url}, new_booking=new_booking
    )
    announce(BookingChange(booking, "created", actor, manage_url=url))


@dataclass(frozen=True)
class Rules:
    """The clock a booking is judged by, and whether staff waived the offered hours."""

    now: dt.datetime
    outside_hours: bool = False


def _valid_key(key: str) -> str:
    if not key or len(key) > 255 or not key.isprintable():
        raise Invalid(
            "The Idempotency-Key header is not valid.",
            {"Idempotency-Key": ["Use 1 to 255 printable characters."]},
        )
    return key


def _clean(meeting_type: MeetingType, body: dict[str, Any], rules: Rules) -> BookingRequest:
    """Every field cleaned (``Invalid`` with all errors at once), then the start's notice
    and window; with the override only the past is refused."""
    request = clean_request(questions=list(meeting_type.questions or []), **body)
    if rules.outside_hours:
        problem = "This time is in the past." if request.start <= rules.now else None
    else:
        problem = check_start_time(
            request.start,
            now=rules.now,
            min_notice=meeting_type.min_notice,
            max_days_ahead=meeting_type.max_days_ahead,
            zone=meeting_type.page.timezone,
        )
    if problem:
        raise Invalid(problem, {"start": [problem]})
    return request


def _free(
    meeting_type: MeetingType, sellers: list[Seller], slot: Slot, rules: Rules
) -> list[Seller]:
    """Who of ``sellers`` can take the slot: under every rule, or (override) merely with
    nothing booked or busy then."""
    if rules.outside_hours:
        return unblocked_sellers(sellers, slot)
    return free_sellers(meeting_type, sellers, slot.start, now=rules.now)


def _route(
    meeting_type: MeetingType,
    request: BookingRequest,
    slot: Slot,
    rules: Rules,
    *,
    seller: Seller | None,
    actor: Actor,
) -> tuple[routing.Pool, list[Seller], str]:
    """The pool to choose from, its sellers free at the slot, and a note for the decision:
    the named seller alone, else the pool a routing rule sends the prospect to, else the
    page's own (with a note when a rule matched but nobody there was free)."""
    page = meeting_type.page
    if seller is not None:
        if seller.pk not in {s.pk for s in routing.page_pool(page).sellers}:
            raise Invalid(
                "This seller does not take this page's bookings.",
                {"seller": [f"{seller} is not one of the sellers of {page}."]},
            )
        chosen = routing.Pool(
            key=f"seller:{seller.pk}", strategy=Fixed.name, sellers=[seller], page=page
        )
        note = f"seller chosen by {actor_label(actor, 'system')}"
        return chosen, _free(meeting_type, [seller], slot, rules), note
    page_pool = routing.page_pool(page, country=request.country)
    free = _free(meeting_type, page_pool.sellers, slot, rules)
    ruled = routing.rule_pool(page, country=request.country, answers=request.answers)
    if ruled is None:
        return page_pool, free, ""
    try:
        return ruled, _free(meeting_type, ruled.sellers, slot, rules), ""
    except DomainError:  # nobody of the rule's pool can take it; the page's pool can
        name = ruled.rule.name if ruled.rule else ""
        return page_pool, free, f"rule “{name}” matched, nobody there was free"


def _assign(
    meeting_type: MeetingType,
    request: BookingRequest,
    slot: Slot,
    pool: routing.Pool,
    free: list[Seller],
    write: Write,
    rules: Rules,
    note: str,
) -> Booking:
    """``assign`` over the free sellers of the pool, re-counting the prospect's bookings
    inside the transaction, one request per email at a time."""
    claim = Claim(
        meeting_type=meeting_type,
        slot=slot,
        write=write,
        one_statement=True,
        check_limits=not rules.outside_hours,
    )

    def recount() -> None:
        _serialise_email(request.email)
        if not rules.outside_hours:
            _check_frequency(meeting_type, request.email, rules.now)

    stats = routing.candidate_stats(
        free, team_id=pool.team_id, now=rules.now, with_arrival=pool.strategy == "weighted"
    )
    booking, _ = assign(
        pool=pool,
        candidates=stats,
        country=request.country,
        claim=claim,
        note=note,
        before=recount,
    )
    return booking


def _writer(
    meeting_type: MeetingType,
    request: BookingRequest,
    slot: Slot,
    strategy: str,
    *,
    token: str,
    idempotency_key: str | None,
    fingerprint: str,
    source: str,
    language: str,
    actor: str,
    event: dict[str, Any] | None = None,
    confirm_by: dt.datetime | None = None,
) -> Write:
    """The insert ``assign`` runs for the seller it settled on: the Booking, its
    ``created`` event, the metric and the outbox rows (the email job carries the link);
    with ``confirm_by``, a pending booking and only the email asking to confirm it."""
    details = meeting_type.location_details
    fields = {
        **dataclasses.asdict(request),
        "meeting_type": meeting_type,
        "start": slot.start,
        "end": slot.end,
        "blocked_start": slot.blocked_start,
        "blocked_end": slot.blocked_end,
        "location_type": meeting_type.location_type,
        "location": details if meeting_type.location_type in DETAILS_ARE_LOCATION else "",
        "source": source,
        "language": language,
        "manage_token_hash": tokens.hash_token(token),
        "manage_token_expires_at": slot.end + settings.MANAGE_TOKEN_GRACE,
        "idempotency_key": tokens.key_digest(idempotency_key) if idempotency_key else None,
        "idempotency_fingerprint": fingerprint if idempotency_key else "",
        "routing_strategy": strategy,
        "status": BookingStatus.PENDING if confirm_by else BookingStatus.CONFIRMED,
        "confirm_by": confirm_by,
    }

    def insert(seller: Seller, decision: RoutingDecision | None) -> Booking:
        booking = Booking(**fields, seller=seller, routing_decision=decision)
        booking.save(force_insert=True)
        add_event(
            booking,
            BookingEvent.Kind.CREATED,
            actor,
            seller=str(seller.pk),
            start=slot.start.isoformat(),
            routing=decision.reason if decision else "",
            **(event or {}),
        )
        if confirm_by:
            enqueue_booking_sync(
                booking=booking,
                action=SyncJob.Action.CONFIRM,
                payload={"manage_url": tokens.manage_url(token)},
                only={SyncJob.Target.EMAIL},
                new_booking=True,
            )
        else:
            make_it_count(booking, token=token, actor=actor, new_booking=True)
        return booking

    return insert
