"""An offer text still goes when Redis is down: the cache only guards against a redelivered
duplicate, and a lost offer would cost everyone on the list its time."""

import pytest

from integrations import shared_cache
from tests.integrations.stalled_redis import StalledRedis
from tests.waitlist.conftest import PHONE, book, join, slot, texts_to
from waitlist.models import WaitlistEntry
from waitlist.tasks import send_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _up_again(monkeypatch):
    monkeypatch.setattr(shared_cache, "_down_until", 0.0)
    monkeypatch.setattr(shared_cache, "_down", False)


def test_the_offer_text_goes_with_redis_hanging(twilio, page, api_client, settings):
    meeting_type, _seller = page
    book(api_client, meeting_type, slot())  # taken: the next visitor joins the waitlist
    assert join(api_client, meeting_type, slot()).status_code == 201
    entry = WaitlistEntry.objects.get()
    before = texts_to(twilio, PHONE)
    with StalledRedis() as redis:
        settings.CACHES = redis.caches()
        settings.REDIS_DOWN_SECONDS = 60

        send_text(entry_id=str(entry.pk), body="A time freed up: reply YES")

        assert redis.connections() == 1  # the mark's read failed once; its write skipped
    assert texts_to(twilio, PHONE) == [*before, "A time freed up: reply YES"]
    assert WaitlistEntry.objects.get(pk=entry.pk).sms_message_sid
