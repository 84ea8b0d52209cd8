"""Public booking pages, through Django's test client (the JS side is in tests/browser/)."""

import datetime as dt
import hashlib
import json
from urllib.parse import parse_qs, urlsplit

import icalendar
import pytest
from django.test import Client
from django.utils import timezone

from bookings.models import Booking, BookingStatus
from tests.bookings.conftest import body, personal_page, slot
from tests.factories import BookingFactory, MeetingTypeFactory, PageFactory, SellerFactory

pytestmark = pytest.mark.django_db

TOKEN = "tok_" + "A" * 39
QUESTIONS = [
    {"key": "team_size", "label": "How big is your team?", "type": "select", "required": True,
     "options": ["1-10", "11-50", "51+"]},
    {"key": "goals", "label": "What do you want to achieve?", "type": "textarea",
     "required": False},
    {"key": "tools", "label": "Tools you use", "type": "multiselect", "required": False,
     "options": ["HubSpot", "Pipedrive"]},
    {"key": "consent", "label": "I agree to be contacted", "type": "checkbox", "required": True},
    {"key": "seats", "label": "Seats", "type": "number", "required": False},
]  # fmt: skip


@pytest.fixture
def client() -> Client:
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def page():
    return PageFactory(
        slug="acme-sales",
        name="Acme Sales",
        description="Talk to our sales team.",
        brand_color="#b4234f",
        logo_url="https://cdn.example.com/acme.png",
        seller=SellerFactory(name="Rosa Díaz"),
    )


@pytest.fixture
def meeting_type(page):
    return MeetingTypeFactory(
        page=page,
        slug="demo",
        name="Product demo",
        description="A 30-minute tour.",
        duration=30,
        location_type="in_person",
        location_details="Av. Larco 123, Lima",
        questions=QUESTIONS,
        confirmation_message="Bring your sales numbers.",
    )


def booking_with_token(meeting_type, token=TOKEN, **kwargs):
    start = kwargs.pop("start", dt.datetime(2030, 3, 4, 15, 0, tzinfo=dt.UTC))
    return BookingFactory(
        meeting_type=meeting_type,
        seller=meeting_type.page.seller,
        start=start,
        end=start + dt.timedelta(minutes=meeting_type.duration),
        timezone="America/Lima",
        name="Ana Prospect",
        manage_token_hash=hashlib.sha256(token.encode()).hexdigest(),
        sequence=2,
        **kwargs,
    )


def test_page_lists_active_meeting_types_with_page_settings(client, page, meeting_type) -> None:
    MeetingTypeFactory(page=page, slug="old", name="Retired call", is_active=False)
    MeetingTypeFactory(page=page, slug="intro", name="Intro call", duration=15, order=1)

    response = client.get("/schedule/acme-sales/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Acme Sales" in html
    assert "Talk to our sales team." in html
    assert "--brand: #b4234f" in html
    assert 'src="https://cdn.example.com/acme.png"' in html
    assert "Rosa Díaz" in html
    assert "Product demo" in html
    assert "A 30-minute tour." in html
    assert "In person · Av. Larco 123, Lima" in html
    assert "15 min" in html
    assert 'href="/schedule/acme-sales/demo/"' in html
    assert "Retired call" not in html
    assert html.index("Product demo") < html.index("Intro call")  # order, then name


@pytest.mark.parametrize("slug", ["nope", "inactive"])
def test_page_unknown_or_inactive_is_404(client, slug) -> None:
    PageFactory(slug="inactive", is_active=False)

    response = client.get(f"/schedule/{slug}/")

    assert response.status_code == 404
    assert "find that booking page" in response.content.decode()


def test_meeting_type_page_renders_questions_by_type(client, meeting_type) -> None:
    response = client.get("/schedule/acme-sales/demo/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Product demo" in html
    assert "--brand: #b4234f" in html
    assert '<label for="f-name">Name' in html
    assert '<label for="f-email">Email' in html
    assert 'id="f-phone" name="phone" type="tel"' in html
    assert '<label for="f-country">Country</label>' in html
    assert 'id="f-notes" name="notes"' in html
    assert '<select id="q-team_size" name="answers.team_size" data-question="team_size"' in html
    assert '<option value="51+">51+</option>' in html
    assert '<textarea id="q-goals" name="answers.goals"' in html
    assert 'id="q-tools" data-question="tools" data-type="multiselect"' in html
    assert '<label for="q-tools-2">Pipedrive</label>' in html
    assert 'type="checkbox" id="q-consent" name="answers.consent"' in html
    assert 'data-type="number"' in html
    assert 'type="number" inputmode="decimal"' in html
    assert html.count('required aria-required="true"') == 4  # name, email, select, checkbox
    assert 'aria-busy="true"' in html
    assert "Loading available times…" in html
    assert "js/booking.js" in html
    config = json.loads(html.split('id="booking-config" type="application/json">')[1].split("<")[0])
    assert config == {
        "mode": "book",
        "slotsUrl": "/api/v1/public/pages/acme-sales/demo/slots/",
        "bookUrl": "/schedule/acme-sales/demo/book/?lang=en",
        "manageUrl": "/schedule/manage/TOKEN/",
        "pageTimezone": "America/Lima",
        "duration": 30,
        "maxDaysAhead": 60,
    }


@pytest.mark.parametrize("path", ["/schedule/acme-sales/nope/", "/schedule/acme-sales/off/"])
def test_meeting_type_page_unknown_or_inactive_is_404(client, meeting_type, path) -> None:
    MeetingTypeFactory(page=meeting_type.page, slug="off", is_active=False)

    assert client.get(path).status_code == 404


def test_meeting_type_page_of_inactive_page_is_404(client, meeting_type) -> None:
    meeting_type.page.is_active = False
    meeting_type.page.save()

    assert client.get("/schedule/acme-sales/demo/").status_code == 404


def test_manage_page_shows_booking_in_prospect_zone(client, meeting_type) -> None:
    booking_with_token(meeting_type)

    response = client.get(f"/schedule/manage/{TOKEN}/?booked=1")

    assert response.status_code == 200
    html = response.content.decode()
    assert "You're booked" in html
    assert "Rosa Díaz" in html
    assert "Product demo" in html
    assert "Monday, March 4, 2030, 10:00–10:30" in html  # 15:00 UTC in Lima
    assert "America/Lima" in html
    assert "Av. Larco 123, Lima" in html
    assert "Bring your sales numbers." in html
    assert f'href="/schedule/manage/{TOKEN}/invite.ics"' in html
    assert "https://calendar.google.com/calendar/render?" in html
    assert "data-open-reschedule" in html
    assert "data-open-cancel" in html
    assert f"/api/v1/public/bookings/{TOKEN}/reschedule/" in html


def test_manage_page_shows_meet_link_when_known(client, meeting_type) -> None:
    booking_with_token(
        meeting_type,
        location_type="google_meet",
        meeting_url="https://meet.google.com/abc-defg-hij",
    )

    html = client.get(f"/schedule/manage/{TOKEN}/").content.decode()

    assert '<a href="https://meet.google.com/abc-defg-hij" rel="noopener">' in html


def test_manage_page_wrong_token_is_404(client, meeting_type) -> None:
    booking_with_token(meeting_type)

    response = client.get("/schedule/manage/not-the-token/")

    assert response.status_code == 404
    assert "Ana Prospect" not in response.content.decode()


def test_manage_page_expired_token_is_410(client, meeting_type) -> None:
    booking_with_token(meeting_type, manage_token_expires_at=timezone.now() - dt.timedelta(days=1))

    response = client.get(f"/schedule/manage/{TOKEN}/")

    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()


def test_manage_page_of_cancelled_booking_offers_no_changes(client, meeting_type) -> None:
    booking_with_token(meeting_type, status=BookingStatus.CANCELLED)

    html = client.get(f"/schedule/manage/{TOKEN}/").content.decode()

    assert "This meeting was cancelled" in html
    assert "data-open-reschedule" not in html
    assert "invite.ics" not in html


def test_google_calendar_link_has_utc_dates_and_details(client, meeting_type) -> None:
    booking_with_token(meeting_type)

    response = client.get(f"/schedule/manage/{TOKEN}/")

    url = response.context["google_url"]
    query = parse_qs(urlsplit(url).query)
    assert query["action"] == ["TEMPLATE"]
    assert query["text"] == ["Product demo with Rosa Díaz"]
    assert query["dates"] == ["20300304T150000Z/20300304T153000Z"]
    assert query["location"] == ["Av. Larco 123, Lima"]
    assert f"http://testserver/schedule/manage/{TOKEN}/" in query["details"][0]


def test_ics_parses_back_with_stable_uid_and_utc_times(client, meeting_type) -> None:
    booking = booking_with_token(meeting_type)

    response = client.get(f"/schedule/manage/{TOKEN}/invite.ics")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar"
    assert 'filename="meeting.ics"' in response["Content-Disposition"]
    calendar = icalendar.Calendar.from_ical(response.content)
    assert str(calendar["METHOD"]) == "PUBLISH"
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    event = events[0]
    assert str(event["UID"]) == f"{booking.id}@127.0.0.1"  # the emailed invite's UID
    assert int(event["SEQUENCE"]) == 2
    assert event.decoded("DTSTART") == dt.datetime(2030, 3, 4, 15, 0, tzinfo=dt.UTC)
    assert event.decoded("DTEND") == dt.datetime(2030, 3, 4, 15, 30, tzinfo=dt.UTC)
    assert event["DTSTART"].to_ical() == b"20300304T150000Z"
    assert str(event["SUMMARY"]) == f"Product demo: {booking.name} and Rosa Díaz"
    assert str(event["LOCATION"]) == "Av. Larco 123, Lima"
    assert str(event["STATUS"]) == "CONFIRMED"


def test_ics_wrong_token_is_404(client, meeting_type) -> None:
    booking_with_token(meeting_type)

    assert client.get("/schedule/manage/wrong/invite.ics").status_code == 404


def test_ics_expired_token_is_410(client, meeting_type) -> None:
    booking_with_token(meeting_type, manage_token_expires_at=timezone.now() - dt.timedelta(days=1))

    assert client.get(f"/schedule/manage/{TOKEN}/invite.ics").status_code == 410


def test_booking_made_on_the_page_is_recorded_as_web_and_by_the_api_as_api(client) -> None:
    meeting_type, _ = personal_page()
    page_url = f"/schedule/{meeting_type.page.slug}/{meeting_type.slug}/"
    config = client.get(page_url).context["config"]  # what the page's JS posts to
    api_url = f"/api/v1/public/pages/{meeting_type.page.slug}/{meeting_type.slug}/bookings/"

    on_page = client.post(
        config["bookUrl"], json.dumps(body(slot(), 1)), content_type="application/json"
    )
    by_api = client.post(
        api_url, json.dumps(body(slot(hour=11), 2)), content_type="application/json"
    )

    assert (on_page.status_code, by_api.status_code) == (201, 201)
    assert set(on_page.json()) == set(by_api.json())  # the same answer, the same contract
    sources = dict(Booking.objects.values_list("email", "source"))
    assert sources == {"prospect1@example.com": "web", "prospect2@example.com": "api"}


def test_page_booking_endpoint_is_not_in_the_api_schema(client) -> None:
    schema = Client().get("/api/v1/schema/", {"format": "json"}).json()

    assert [path for path in schema["paths"] if not path.startswith("/api/v1/")] == []
    assert "/api/v1/public/pages/{page}/{meeting_type}/bookings/" in schema["paths"]
