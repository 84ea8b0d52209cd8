"""Outbox handler for the video target (see bookings.outbox.handlers for the contract).

Zoom, Teams and Whereby meetings are created, moved and deleted at the provider; Jitsi gets a room
URL; phone, in person and custom locations come from the meeting type. Google Meet links
come with the calendar event (bookings.outbox.calendar), so there is nothing to do here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from bookings import sync_status as booking_sync
from bookings.models import Booking
from integrations.base import ProviderAccountError
from integrations.video.base import VideoMeeting, VideoMeetingRequest, VideoProvider
from sellers.services import record_provider_problem

if TYPE_CHECKING:
    from bookings.outbox.models import SyncJob

STATIC_LOCATIONS = {"phone", "in_person", "custom"}


def meeting_request(booking: Booking) -> VideoMeetingRequest:
    return VideoMeetingRequest(
        booking_id=str(booking.pk),
        topic=f"{booking.meeting_type.name} · {booking.name} & {booking.seller.name}",
        host_email=booking.seller.email,
        start=booking.start,
        end=booking.end,
        agenda=booking.meeting_type.description,
    )


def provider_for(booking: Booking) -> VideoProvider | None:
    """The provider behind the booking's location type; None when nothing is called."""
    kind = booking.location_type
    if kind == "zoom":
        from integrations.video.zoom import ZoomClient

        return ZoomClient.from_settings()
    if kind == "teams":
        from integrations.video.teams import TeamsClient

        return TeamsClient.from_settings()
    if kind == "whereby":
        from integrations.video.whereby import WherebyClient

        return WherebyClient.from_settings()
    if kind == "jitsi":
        from integrations.video.jitsi import JitsiRooms

        return JitsiRooms(booking.meeting_type.page.slug)
    return None


def static_location(booking: Booking) -> dict[str, str]:
    """Phone, in person and custom: the meeting type's details, as booking fields to set."""
    details = booking.meeting_type.location_details
    changes: dict[str, str] = {}
    if details and not booking.location:
        changes["location"] = details
    if booking.location_type == "custom" and details and not booking.meeting_url:
        try:
            URLValidator(schemes=["https", "http"])(details)
        except ValidationError:
            pass
        else:
            changes["meeting_url"] = details
    return changes


def handle(job: SyncJob, provider: VideoProvider | None = None) -> None:
    """Create, move or delete the booking's online meeting; idempotent.

    Saves ``video_meeting_id`` and ``meeting_url`` (the join URL only, never a host URL).
    """
    booking = (
        Booking.objects.select_related("meeting_type__page", "seller")
        .filter(pk=job.booking_pk)
        .first()
    )
    if booking is None:
        return
    if booking.location_type in STATIC_LOCATIONS:
        changes = static_location(booking)
        if changes and job.action != "cancel":
            booking_sync.record_external_ids(booking_id=booking.pk, **changes)
        return
    provider = provider or provider_for(booking)
    if provider is None:
        return
    try:
        _sync_meeting(job, booking, provider)
    except ProviderAccountError as exc:
        # Every meeting of this seller fails until someone fixes the account: say so on them.
        record_provider_problem(
            seller_id=booking.seller_id, provider=provider.name, problem=str(exc)
        )
        raise
    record_provider_problem(seller_id=booking.seller_id, provider=provider.name)


def _sync_meeting(job: SyncJob, booking: Booking, provider: VideoProvider) -> None:
    request = meeting_request(booking)
    if job.action == "cancel" or booking.status == "cancelled":
        found = None if booking.video_meeting_id else provider.find(request)
        meeting_id = booking.video_meeting_id or (found.meeting_id if found else "")
        if meeting_id:
            provider.delete(meeting_id, request)
        return
    if booking.location_type == "jitsi" and booking.meeting_url:
        return  # a room has no time; the link already given stays valid
    if booking.video_meeting_id:
        if job.action == "update":
            replaced = provider.update(booking.video_meeting_id, request)
            if replaced:
                _save_meeting(booking, replaced)
        return
    found = provider.find(request)
    if found:
        found = provider.update(found.meeting_id, request) or found
    _save_meeting(booking, found or provider.create(request))


def _save_meeting(booking: Booking, meeting: VideoMeeting) -> None:
    """The join URL for everyone; a host URL (Whereby) only in the seller's field."""
    booking_sync.record_external_ids(
        booking_id=booking.pk,
        video_meeting_id=meeting.meeting_id,
        meeting_url=meeting.join_url,
        video_host_url=meeting.host_url,
    )
