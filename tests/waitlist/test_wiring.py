"""The waitlist speaks through the rest of the product: its events reach webhook
subscribers, and a number that texted STOP gets no waitlist text."""

import json

import pytest

from bookings.reminders.models import SmsOptOut
from tests.bookings.conftest import slot
from tests.waitlist.conftest import book, join
from waitlist.services.messages import may_text
from webhooks.models import WebhookEvent, WebhookSubscription

pytestmark = pytest.mark.django_db


def test_a_stopped_number_may_not_be_texted_and_others_may() -> None:
    SmsOptOut.objects.create(number="+51912345678", keyword="STOP")

    assert (may_text("+51912345678"), may_text("+51912345679"), may_text("")) == (
        False,
        True,
        False,
    )


def test_joining_publishes_waitlist_joined_to_subscribers(api_client, page) -> None:
    meeting_type, _ = page
    start = slot(hour=10)
    book(api_client, meeting_type, start)
    WebhookSubscription.objects.create(
        url="https://93.184.216.34/hook", events=["waitlist.joined"], secret="s" * 32
    )

    answer = join(api_client, meeting_type, start)

    assert answer.status_code == 201, answer.json()
    event = WebhookEvent.objects.get(type="waitlist.joined")
    body = json.loads(event.body)
    assert (body["type"], body["data"]["entry"]["id"]) == ("waitlist.joined", answer.json()["id"])
