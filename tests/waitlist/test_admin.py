"""Staff put a person on the waitlist through the same service (source ``manual``)."""

import pytest

from tests.waitlist.conftest import PHONE, book, slot, texts_to
from waitlist.models import WaitlistEntry

pytestmark = pytest.mark.django_db
ADD = "/admin/waitlist/waitlistentry/add/"


def form(meeting_type, start, **extra):
    return {
        "meeting_type": str(meeting_type.pk),
        "date": start.date().isoformat(),
        "time": start.strftime("%H:%M"),
        "first_name": "Ana",
        "phone": "+51 912 345 678",
        "party_size": "2",
        **extra,
    }


def test_admin_adds_a_person_for_a_taken_time(
    admin_client, api_client, page, twilio, django_capture_on_commit_callbacks
):
    meeting_type, _ = page
    start = slot(hour=10)
    book(api_client, meeting_type, start)
    assert admin_client.get(ADD).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(ADD, form(meeting_type, start))
    assert response.status_code == 302
    entry = WaitlistEntry.objects.get()
    assert (entry.source, entry.phone, entry.party_size, entry.requested_slot) == (
        "manual",
        PHONE,
        2,
        start,
    )
    assert len(texts_to(twilio, PHONE)) == 1


def test_admin_add_of_a_free_time_says_so_and_adds_nothing(admin_client, page):
    meeting_type, _ = page
    response = admin_client.post(ADD, form(meeting_type, slot(hour=12)))
    assert response.status_code == 200
    assert "Book it instead" in response.content.decode()
    assert not WaitlistEntry.objects.exists()


def test_admin_adds_an_api_key_and_shows_it_once(admin_client, page):
    from waitlist.models import WaitlistApiKey, WaitlistCalendarConfig
    from waitlist.services.voice import business_for_key

    meeting_type, _ = page
    config = WaitlistCalendarConfig.objects.create(business_name="B", page=meeting_type.page)
    response = admin_client.post(
        "/admin/waitlist/waitlistapikey/add/",
        {"config": str(config.pk), "name": "n8n"},
        follow=True,
    )
    assert response.status_code == 200
    [message] = [str(m) for m in response.context["messages"] if "X-Api-Key" in str(m)]
    key = message.rsplit(" ", 1)[1]
    assert business_for_key(key) == config
    assert WaitlistApiKey.objects.get().name == "n8n"
