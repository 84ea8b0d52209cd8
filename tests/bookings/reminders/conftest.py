import datetime as dt

import pytest

from bookings.models import Reminder
from bookings.reminders import sweep
from bookings.services import create_booking
from integrations.email.fake import FakeEmailSender
from integrations.email.fallback import FallbackSender
from integrations.sms.fake import FakeSms
from tests.bookings.conftest import personal_page, slot

PHONE = "+51987654321"


@pytest.fixture
def senders() -> sweep.Senders:
    return sweep.Senders(email=FallbackSender(FakeEmailSender()), sms=FakeSms())


def sent_emails(senders: sweep.Senders) -> list:
    return senders.email.primary.sent


def book(days: int = 3, hour: int = 10, phone: str = PHONE, start=None, **meeting):
    """A booking made through the service (so the reminders listener plans it)."""
    meeting.setdefault("reminder_offsets", [1440, 60])
    meeting_type, _seller = personal_page(**meeting)
    result = create_booking(
        meeting_type=meeting_type,
        start=start or slot(days=days, hour=hour),
        timezone="America/Lima",
        name="Ana",
        email="ana@example.com",
        phone=phone,
    )
    return result


def rows(booking, **filters) -> list[tuple]:
    return list(
        Reminder.objects.filter(booking=booking, **filters)
        .order_by("kind", "channel", "recipient", "-offset_minutes")
        .values_list("kind", "channel", "recipient", "offset_minutes", "status")
    )


def minutes_before(booking, offset: int) -> dt.datetime:
    return booking.start - dt.timedelta(minutes=offset)
