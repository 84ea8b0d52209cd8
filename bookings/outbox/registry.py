"""Which outbox targets a booking concerns: a provider counts only when it is configured."""

from django.conf import settings

from bookings.models import Booking
from bookings.outbox.models import SyncJob
from integrations.calendar import service_account
from sellers.models import Seller

Target = SyncJob.Target


def targets_for(booking: Booking) -> list[str]:
    targets: list[str] = [Target.EMAIL]
    # The shared company calendar (service account) takes every seller's meetings.
    if service_account.enabled() or _calendar_active(booking.seller):
        targets.append(Target.CALENDAR)
    if _video_configured(booking.location_type):
        targets.append(Target.VIDEO)
    if settings.PIPEDRIVE_API_TOKEN:
        targets.append(Target.PIPEDRIVE)
    if settings.HUBSPOT_ACCESS_TOKEN:
        targets.append(Target.HUBSPOT)
    if booking.phone and settings.TWILIO_ACCOUNT_SID:
        targets.append(Target.SMS)
    return targets


def _calendar_active(seller: Seller) -> bool:
    """Whether the seller has an active calendar connection: read along the booking path's
    row lock (the ``calendar_active`` annotation, ``bookings.services.common``), else asked."""
    known = getattr(seller, "calendar_active", None)
    if known is not None:
        return bool(known)
    return seller.calendars.filter(status="active").exists()


def _video_configured(location_type: str) -> bool:
    """Zoom, Teams and Whereby only when their credentials are set; Jitsi needs none."""
    if location_type == "zoom":
        return bool(settings.ZOOM_ACCOUNT_ID)
    if location_type == "teams":
        return bool(settings.MS_TENANT_ID)
    if location_type == "whereby":
        return bool(settings.WHEREBY_API_KEY)
    return location_type == "jitsi"
