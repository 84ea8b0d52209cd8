"""Which outbox targets a booking concerns: a provider counts only when it is configured."""

from django.conf import settings

from bookings.models import Booking
from bookings.outbox.models import SyncJob
from integrations.calendar import service_account

Target = SyncJob.Target


def targets_for(booking: Booking) -> list[str]:
    targets: list[str] = [Target.EMAIL]
    # The shared company calendar (service account) takes every seller's meetings.
    if service_account.enabled() or booking.seller.calendars.filter(status="active").exists():
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


def _video_configured(location_type: str) -> bool:
    """Zoom, Teams and Whereby only when their credentials are set; Jitsi needs none."""
    if location_type == "zoom":
        return bool(settings.ZOOM_ACCOUNT_ID)
    if location_type == "teams":
        return bool(settings.MS_TENANT_ID)
    if location_type == "whereby":
        return bool(settings.WHEREBY_API_KEY)
    return location_type == "jitsi"
