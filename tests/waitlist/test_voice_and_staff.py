"""The voice agent's hand-off (an API key per business) and call log; the staff API."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bookings.models import BookingStatus
from tests.factories import StaffFactory, UserFactory
from tests.waitlist.conftest import PHONE, book, slot, texts_to
from waitlist.models import VoiceCall, WaitlistCalendarConfig, WaitlistEntry
from waitlist.services import messages, voice
from waitlist.services.alternatives import AlternativeRule, alternatives_for

pytestmark = pytest.mark.django_db
TRIGGER = "/api/v1/waitlist/n8n/trigger/"


@pytest.fixture
def business(page):
    meeting_type, _ = page
    config = WaitlistCalendarConfig.objects.create(
        business_name="Chez Jean", page=meeting_type.page
    )
    return config, voice.create_api_key(config=config)[1]


def trigger_body(config, start, **extra):
    return {
        "requested_slot": start.isoformat(),
        "business_id": str(config.pk),
        "phone": PHONE,
        "firstName": "Jean",
        "lastName": "Dupont",
        "email": "jean@example.com",
        "nbPersons": 4,
        "alternativeSlots": [],
        "source": "voice_agent",
        **extra,
    }


def test_trigger_joins_for_the_keys_business(
    api_client, page, business, twilio, django_capture_on_commit_callbacks
):
    meeting_type, _ = page
    config, key = business
    start = slot(hour=10)
    book(api_client, meeting_type, start)
    with django_capture_on_commit_callbacks(execute=True):
        answer = api_client.post(
            TRIGGER, trigger_body(config, start), format="json", HTTP_X_API_KEY=key
        )
    assert answer.status_code == 201, answer.json()
    entry = WaitlistEntry.objects.get()
    assert answer.json() == {
        "success": True,
        "entry_id": str(entry.pk),
        "slot_id": str(entry.slot_id),
        "position": 1,
    }
    assert (entry.source, entry.party_size, entry.email) == ("voice_agent", 4, "jean@example.com")
    assert len(entry.alternatives) == 9
    assert "/waitlist/wl_" in texts_to(twilio, PHONE)[0]


def test_trigger_refuses_a_missing_bad_or_foreign_key(api_client, page, business):
    meeting_type, _ = page
    config, key = business
    other = WaitlistCalendarConfig.objects.create(business_name="Other", page=meeting_type.page)
    body = trigger_body(config, slot(hour=10))
    assert api_client.post(TRIGGER, body, format="json").status_code == 401
    bad = api_client.post(TRIGGER, body, format="json", HTTP_X_API_KEY="wlk_wrong")
    assert (bad.status_code, bad.json()["error"]["code"]) == (401, "not_authenticated")
    foreign = api_client.post(
        TRIGGER, trigger_body(other, slot(hour=10)), format="json", HTTP_X_API_KEY=key
    )
    assert (foreign.status_code, foreign.json()["error"]["code"]) == (403, "permission_denied")
    assert not WaitlistEntry.objects.exists()


def test_call_report_is_stored_and_joins_when_asked(api_client, page, business):
    meeting_type, _ = page
    _, key = business
    start = slot(hour=10)
    book(api_client, meeting_type, start)
    report = {
        "phoneNumber": PHONE,
        "status": "completed",
        "event_type": "booking_failed",
        "wants_waitlist": True,
        "waitlist_slot_requested": start.isoformat(),
        "metadata": {"client_name": "Jean Dupont", "nb_personnes": 4},
    }
    answer = api_client.post(
        "/api/v1/waitlist/n8n/calls/", report, format="json", HTTP_X_API_KEY=key
    )
    assert answer.status_code == 201, answer.json()
    call = VoiceCall.objects.get()
    entry = WaitlistEntry.objects.get()
    assert answer.json()["entry_id"] == str(entry.pk)
    assert (call.wants_waitlist, call.entry_id, call.metadata["nb_personnes"]) == (
        True,
        entry.pk,
        4,
    )
    assert (entry.first_name, entry.last_name, entry.party_size) == ("Jean", "Dupont", 4)
    plain = api_client.post(
        "/api/v1/waitlist/n8n/calls/",
        {"phoneNumber": PHONE, "status": "completed"},
        format="json",
        HTTP_X_API_KEY=key,
    )
    assert plain.json()["entry_id"] is None
    assert VoiceCall.objects.count() == 2
    assert WaitlistEntry.objects.count() == 1


def test_staff_list_filter_offer_now_and_cancel(
    api_client, page, django_capture_on_commit_callbacks
):
    meeting_type, _ = page
    start = slot(hour=10)
    taken = book(api_client, meeting_type, start)
    from waitlist.services.join import join_waitlist

    entry = join_waitlist(
        meeting_type=meeting_type,
        start=start,
        timezone_name="America/Lima",
        first_name="Ana",
        phone=PHONE,
    ).entry
    api_client.force_authenticate(StaffFactory())
    listed = api_client.get("/api/v1/waitlist/entries/", {"status": "pending"}).json()
    assert [r["id"] for r in listed["results"]] == [str(entry.pk)]
    assert api_client.get("/api/v1/waitlist/entries/", {"status": "confirmed"}).json()["count"] == 0
    slots = api_client.get("/api/v1/waitlist/slots/", {"page": str(meeting_type.page_id)}).json()
    assert [r["id"] for r in slots["results"]] == [str(entry.slot_id)]
    with django_capture_on_commit_callbacks(execute=True):
        offered = api_client.post(f"/api/v1/waitlist/entries/{entry.pk}/offer/")
    assert offered.status_code == 200
    assert offered.json()["status"] == "notified"
    assert offered.json()["hold"] is not None
    assert taken.status == BookingStatus.CONFIRMED  # 10:00 stays taken: an evening time held
    cancelled = api_client.post(f"/api/v1/waitlist/entries/{entry.pk}/cancel/")
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["hold"] is None


def test_a_user_who_is_neither_staff_nor_seller_sees_nothing_and_cannot_act(api_client, page):
    api_client.force_authenticate(UserFactory())
    assert api_client.get("/api/v1/waitlist/entries/").json()["count"] == 0
    assert api_client.get("/api/v1/waitlist/slots/").json()["count"] == 0


@given(
    hour=st.integers(0, 23),
    minute=st.sampled_from([0, 15, 30, 45]),
    step=st.sampled_from([5, 15, 30, 60, 90]),
    first=st.integers(0, 20),
    length=st.integers(0, 3),
    zone=st.sampled_from(["America/Lima", "Europe/Paris", "America/New_York", "UTC"]),
    days=st.integers(0, 400),
)
def test_alternatives_follow_the_rule(hour, minute, step, first, length, zone, days):
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(zone)
    day = dt.date(2026, 1, 1) + dt.timedelta(days=days)
    requested = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=tz)
    rule = AlternativeRule(
        window_start=dt.time(first), window_end=dt.time(first + length), step_minutes=step
    )
    times = alternatives_for(requested, zone, rule)
    assert times == sorted(times)
    assert requested not in times
    assert len(set(times)) == len(times)
    for t in times:
        local = t.astimezone(tz)
        assert local.date() == day
        assert dt.time(first) <= local.time() <= dt.time(first + length)
        assert ((local.hour - first) * 60 + local.minute) % step == 0
    assert alternatives_for(requested, zone, AlternativeRule(enabled=False)) == []


def test_default_alternatives_are_the_designs_evening():
    paris = dt.datetime(2025, 1, 15, 19, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    times = alternatives_for(paris, "Europe/Paris")
    assert [t.strftime("%H:%M") for t in times] == [
        "18:00", "18:30", "19:00", "20:00", "20:30", "21:00", "21:30", "22:00"
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", "Bonne nouvelle ! Votre créneau du 15/01 à 19h30 est maintenant disponible."),
        ("es", "¡Buenas noticias! Su horario del 15/01 a las 19:30 ya está disponible."),
        ("en", "Good news! Your slot on 01/15 at 19:30 is now available."),
    ],
)
def test_offer_text_speaks_the_pages_language(language, expected):
    entry = WaitlistEntry(timezone="Europe/Paris", language=language)
    start = dt.datetime(2025, 1, 15, 18, 30, tzinfo=dt.UTC)
    text = messages.offer_text(entry, start, 15, "https://x.test/waitlist/wl_abc/")
    assert text.startswith(expected)
    assert text.endswith("https://x.test/waitlist/wl_abc/")
    assert len(text) <= 306  # two SMS segments
