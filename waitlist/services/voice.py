"""The voice agent's hand-off (n8n): an API key per business, the trigger that joins, and
the call log the design's end-of-call webhook writes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone

from config.errors import DomainError, Invalid, NotFound
from scheduling.models import MeetingType
from waitlist.models import VoiceCall, WaitlistApiKey, WaitlistCalendarConfig, WaitlistEntry
from waitlist.services.join import JoinResult, aware, join_waitlist

KEY_PREFIX = "wlk_"


class NoApiKey(DomainError):
    code = "not_authenticated"


class WrongBusiness(DomainError):
    code = "permission_denied"


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_api_key(*, config: WaitlistCalendarConfig, name: str = "") -> tuple[WaitlistApiKey, str]:
    """A new key for ``config``'s business: its row and its plaintext, returned once (only
    the hash is stored)."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = WaitlistApiKey.objects.create(config=config, name=name[:100], key_hash=_digest(key))
    return row, key


def business_for_key(key: Any) -> WaitlistCalendarConfig:
    """The business an ``X-Api-Key`` belongs to (looked up by hash, compared in constant
    time); ``NoApiKey`` (401) for a missing or unknown key."""
    if not isinstance(key, str) or not key.startswith(KEY_PREFIX) or len(key) > 100:
        raise NoApiKey("A valid X-Api-Key header is required.")
    row = (
        WaitlistApiKey.objects.select_related("config__page").filter(key_hash=_digest(key)).first()
    )
    if row is None or not hmac.compare_digest(_digest(key), row.key_hash):
        raise NoApiKey("A valid X-Api-Key header is required.")
    WaitlistApiKey.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
    return row.config


def _meeting_type(config: WaitlistCalendarConfig) -> MeetingType:
    """What the voice agent books: the business page's first active meeting type."""
    found = (
        MeetingType.objects.select_related("page", "page__seller")
        .filter(page_id=config.page_id, page__is_active=True, is_active=True)
        .order_by("order", "name")
        .first()
    )
    if found is None:
        raise NotFound("This business has no active booking page.")
    return found


def trigger(*, config: WaitlistCalendarConfig, data: dict[str, Any]) -> JoinResult:
    """The design's ``POST /api/waitlist/n8n/trigger`` body joined to the waitlist of the
    key's business (``business_id`` must name it: ``WrongBusiness`` otherwise). An empty
    ``alternativeSlots`` takes the page's rule."""
    if str(data.get("business_id") or "") != str(config.pk):
        raise WrongBusiness("This API key does not belong to that business.")
    meeting_type = _meeting_type(config)
    alternatives = data.get("alternativeSlots") or None
    return join_waitlist(
        meeting_type=meeting_type,
        start=data.get("requested_slot"),
        timezone_name=meeting_type.page.timezone,
        first_name=data.get("firstName"),
        last_name=data.get("lastName") or "",
        phone=data.get("phone"),
        email=data.get("email") or "",
        party_size=data.get("nbPersons"),
        alternatives=alternatives,
        source=WaitlistEntry.Source.VOICE_AGENT,
    )


def record_call(*, config: WaitlistCalendarConfig, data: dict[str, Any]) -> tuple[VoiceCall, str]:
    """Store the end-of-call report; with ``wants_waitlist: true``, join the waitlist for
    ``waitlist_slot_requested`` (name and party from ``metadata``). Returns the call and
    the error code of a join that failed ("" when it joined or was not asked): the call is
    kept either way."""
    raw = data.get("metadata")
    metadata: dict[str, Any] = raw if isinstance(raw, dict) else {}
    wants = data.get("wants_waitlist") is True
    requested = aware(data.get("waitlist_slot_requested"))
    if wants and requested is None:
        raise Invalid(
            "waitlist_slot_requested is required with wants_waitlist.",
            {"waitlist_slot_requested": ["A datetime with an offset is required."]},
        )
    call = VoiceCall.objects.create(
        config=config,
        phone=str(data.get("phoneNumber") or "")[:20],
        status=str(data.get("status") or "")[:50],
        event_type=str(data.get("event_type") or "")[:50],
        wants_waitlist=wants,
        waitlist_slot_requested=requested,
        metadata=metadata,
    )
    if not wants:
        return call, ""
    first, _, last = str(metadata.get("client_name") or "").strip().partition(" ")
    body = {
        "business_id": str(config.pk),
        "requested_slot": data.get("waitlist_slot_requested"),
        "phone": data.get("phoneNumber"),
        "firstName": first,
        "lastName": last,
        "nbPersons": metadata.get("nb_personnes"),
    }
    try:
        with transaction.atomic():
            joined = trigger(config=config, data=body)
    except DomainError as exc:
        return call, exc.code
    VoiceCall.objects.filter(pk=call.pk).update(entry=joined.entry)
    call.entry = joined.entry
    return call, ""
