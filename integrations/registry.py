"""Which outbox targets a booking concerns: a provider counts only when it is configured."""

from django.conf import settings

from bookings.models import Booking
from integrations.models import SyncJob

Target = SyncJob.Target


def targets_for(booking: Booking) -> list[str]:
    targets = [Target.EMAIL]
    if booking.seller.calendars.filter(status="active").exists():
        targets.append(Target.CALENDAR)
    if booking.location_type in ("zoom", "teams"):
        targets.append(Target.VIDEO)
    if settings.PIPEDRIVE_API_TOKEN:
        targets.append(Target.PIPEDRIVE)
    if settings.HUBSPOT_ACCESS_TOKEN:
        targets.append(Target.HUBSPOT)
    if booking.phone and settings.TWILIO_ACCOUNT_SID:
        targets.append(Target.SMS)
    return targets
