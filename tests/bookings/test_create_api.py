"""POST /api/v1/public/pages/{page}/{meeting_type}/bookings/ — the contract, field by field."""

import datetime as dt

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from bookings.models import Booking, BookingEvent
from bookings.outbox.models import SyncJob
from bookings.outbox.payload import secret
from bookings.tokens import hash_token
from routing.models import RoutingDecision
from sellers.models import SellerMetric
from tests.bookings.conftest import LIMA, body, personal_page, slot, team_page
from tests.factories import BookingFactory

pytestmark = pytest.mark.django_db

NO_THROTTLE = {"DEFAULT_THROTTLE_RATES": {"public": None}}


def url(meeting_type) -> str:
    return f"/api/v1/public/pages/{meeting_type.page.slug}/{meeting_type.slug}/bookings/"


def post(client, meeting_type, data, **headers):
    return client.post(url(meeting_type), data, format="json", headers=headers)


@pytest.fixture(autouse=True)
def _no_throttle(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, **NO_THROTTLE}


def test_create_booking_answers_the_contract_shape(api_client, settings):
    meeting_type, _sellers = team_page(location_type="in_person", location_details="Av. Larco 1")
    start = slot(hour=10)
    response = post(api_client, meeting_type, body(start, phone="912 345 678", country="pe"))
    assert response.status_code == 201, response.json()
    data = response.json()
    booking = Booking.objects.get()
    assert set(data) == {
        "id",
        "status",
        "start",
        "end",
        "timezone",
        "meeting_type",
        "host",
        "location",
        "manage_token",
        "manage_url",
    }
    assert data["id"] == str(booking.pk)
    assert data["status"] == "confirmed"
    assert data["start"] == start.isoformat()
    assert data["end"] == (start + dt.timedelta(minutes=30)).isoformat()
    assert data["timezone"] == "America/Lima"
    assert data["meeting_type"] == {
        "slug": meeting_type.slug,
        "name": meeting_type.name,
        "duration": 30,
    }
    assert data["host"] == {"name": booking.seller.name}
    assert data["location"] == {"type": "in_person", "value": "Av. Larco 1"}
    assert data["manage_url"] == f"{settings.BASE_URL}/schedule/manage/{data['manage_token']}/"
    assert len(data["manage_token"]) == 43
    assert booking.manage_token_hash == hash_token(data["manage_token"])
    assert data["manage_token"] not in str(Booking.objects.values().get())
    assert booking.phone == "+51912345678"
    assert booking.country == "PE"
    assert booking.manage_token_expires_at == booking.end + settings.MANAGE_TOKEN_GRACE
    assert booking.routing_decision.chosen_id == booking.seller_id
    assert [e.kind for e in booking.events.all()] == [BookingEvent.Kind.CREATED]
    assert SellerMetric.objects.get(seller=booking.seller).bookings == 1
    assert list(SyncJob.objects.values_list("action", flat=True)) == ["create"]


def test_create_booking_times_are_given_in_the_prospect_timezone(api_client):
    meeting_type, _ = team_page()
    start = slot(hour=10)
    response = post(api_client, meeting_type, body(start) | {"timezone": "Europe/Madrid"})
    assert response.status_code == 201
    madrid = start.astimezone(dt.timezone(dt.timedelta(hours=1))).isoformat()
    assert response.json()["start"] == madrid


def test_create_booking_on_personal_page_goes_to_its_seller(api_client):
    meeting_type, seller = personal_page()
    response = post(api_client, meeting_type, body(slot()))
    assert response.status_code == 201
    booking = Booking.objects.get()
    assert booking.seller == seller
    assert booking.routing_decision.strategy == "fixed"


def test_create_booking_unknown_page_is_404(api_client):
    meeting_type, _ = team_page()
    response = api_client.post(
        f"/api/v1/public/pages/nope/{meeting_type.slug}/bookings/", body(slot()), format="json"
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def error(response) -> tuple[str, dict]:
    payload = response.json()["error"]
    return payload["code"], payload["fields"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"start": "2026-12-01T09:00:00"}, "start"),
        ({"start": "tomorrow"}, "start"),
        ({"start": None}, "start"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"timezone": ""}, "timezone"),
        ({"name": ""}, "name"),
        ({"name": 12}, "name"),
        ({"email": "not-an-email"}, "email"),
        ({"email": ""}, "email"),
        ({"phone": "12"}, "phone"),
        ({"phone": "+1 555 000"}, "phone"),
        ({"country": "XX"}, "country"),
        ({"answers": "yes"}, "answers"),
        ({"answers": {"nope": 1}}, "answers.nope"),
    ],
)
def test_create_booking_invalid_field_is_400_with_that_field(api_client, change, field):
    meeting_type, _ = team_page()
    response = post(api_client, meeting_type, body(slot()) | change)
    assert response.status_code == 400
    code, fields = error(response)
    assert code == "invalid"
    assert list(fields) == [field]
    assert Booking.objects.count() == 0


def test_create_booking_reports_every_invalid_field_at_once(api_client):
    meeting_type, _ = team_page()
    bad = body(slot()) | {"email": "x", "phone": "1", "timezone": "Nowhere", "name": ""}
    code, fields = error(post(api_client, meeting_type, bad))
    assert code == "invalid"
    assert sorted(fields) == ["email", "name", "phone", "timezone"]


QUESTIONS = [
    {"key": "company_size", "label": "Size", "type": "select", "required": True,
     "options": ["1-10", "11-100", "100+"]},
    {"key": "products", "label": "Products", "type": "multiselect", "options": ["crm", "hr"]},
    {"key": "seats", "label": "Seats", "type": "number"},
    {"key": "agree", "label": "I agree", "type": "checkbox", "required": True},
    {"key": "work_email", "label": "Work email", "type": "email"},
    {"key": "mobile", "label": "Mobile", "type": "phone"},
    {"key": "goal", "label": "Goal", "type": "textarea"},
]  # fmt: skip


@pytest.mark.parametrize(
    ("answers", "fields"),
    [
        ({"agree": True}, ["answers.company_size"]),
        ({"company_size": "1-10"}, ["answers.agree"]),
        ({"company_size": "huge", "agree": True}, ["answers.company_size"]),
        ({"company_size": "1-10", "agree": "yes"}, ["answers.agree"]),
        ({"company_size": "1-10", "agree": True, "products": ["crm", "pay"]}, ["answers.products"]),
        ({"company_size": "1-10", "agree": True, "products": "crm"}, ["answers.products"]),
        ({"company_size": "1-10", "agree": True, "seats": "ten"}, ["answers.seats"]),
        ({"company_size": "1-10", "agree": True, "seats": True}, ["answers.seats"]),
        ({"company_size": "1-10", "agree": True, "work_email": "nope"}, ["answers.work_email"]),
        ({"company_size": "1-10", "agree": True, "mobile": "123"}, ["answers.mobile"]),
        ({"company_size": "1-10", "agree": True, "goal": 5}, ["answers.goal"]),
    ],
)
def test_create_booking_answers_are_checked_per_question_type(api_client, answers, fields):
    meeting_type, _ = team_page(questions=QUESTIONS)
    response = post(api_client, meeting_type, body(slot(), answers=answers))
    assert response.status_code == 400
    assert error(response) == ("invalid", {f: error(response)[1][f] for f in fields})


def test_create_booking_stores_cleaned_answers(api_client):
    meeting_type, _ = team_page(questions=QUESTIONS)
    answers = {
        "company_size": "11-100",
        "agree": True,
        "products": ["hr"],
        "seats": 12,
        "work_email": "Ana@Corp.com",
        "mobile": "+51 912 345 678",
    }
    response = post(api_client, meeting_type, body(slot(), answers=answers))
    assert response.status_code == 201, response.json()
    assert Booking.objects.get().answers == answers | {
        "work_email": "ana@corp.com",
        "mobile": "+51912345678",
    }


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (lambda: slot(days=-1), "in the past"),
        (lambda: slot(days=0, hour=0) - dt.timedelta(days=400), "in the past"),
        (lambda: slot(days=90), "booking window"),
        (lambda: slot(hour=10, minute=15), "not one of the offered slots"),
        (lambda: slot(hour=22), "not one of the offered slots"),
    ],
)
def test_create_booking_start_not_bookable_is_400(api_client, start, expected):
    meeting_type, _ = team_page()
    response = post(api_client, meeting_type, body(start()))
    assert response.status_code == 400
    code, fields = error(response)
    assert code == "invalid"
    assert expected in fields["start"][0]


def test_create_booking_inside_minimum_notice_is_400(api_client):
    meeting_type, _ = team_page(min_notice=60 * 24 * 5)
    code, fields = error(post(api_client, meeting_type, body(slot(days=2))))
    assert code == "invalid"
    assert "minimum notice" in fields["start"][0]


def test_create_booking_taken_slot_is_409(api_client):
    meeting_type, seller = personal_page()
    BookingFactory(meeting_type=meeting_type, seller=seller, start=slot())
    response = post(api_client, meeting_type, body(slot()))
    assert response.status_code == 409
    assert error(response)[0] == "slot_unavailable"


def test_create_booking_buffer_clash_is_409(api_client):
    meeting_type, seller = personal_page(buffer_after=15)
    BookingFactory(meeting_type=meeting_type, seller=seller, start=slot(hour=10, minute=30))
    response = post(api_client, meeting_type, body(slot(hour=10)))
    assert response.status_code == 409


def test_create_booking_frequency_limit_is_429(api_client):
    meeting_type, _ = team_page(max_bookings_per_email=2, frequency_window_days=7)
    for hour in (9, 10):
        assert post(api_client, meeting_type, body(slot(hour=hour))).status_code == 201
    response = post(api_client, meeting_type, body(slot(hour=11)))
    assert response.status_code == 429
    assert error(response)[0] == "frequency_limit"
    assert Booking.objects.count() == 2


@override_settings(MAX_BOOKINGS_PER_EMAIL=1)
def test_create_booking_frequency_limit_defaults_to_settings_and_skips_cancelled(api_client):
    meeting_type, _ = team_page()
    BookingFactory(meeting_type=meeting_type, email="prospect0@example.com", status="cancelled")
    assert post(api_client, meeting_type, body(slot(hour=9))).status_code == 201
    assert post(api_client, meeting_type, body(slot(hour=10))).status_code == 429


def test_idempotency_same_key_same_body_replays_first_answer(api_client):
    meeting_type, _ = team_page()
    data = body(slot())
    first = post(api_client, meeting_type, data, **{"Idempotency-Key": "abc-1"})
    again = post(api_client, meeting_type, data, **{"Idempotency-Key": "abc-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert Booking.objects.count() == 1
    assert BookingEvent.objects.count() == 1
    assert RoutingDecision.objects.count() == 1
    assert Booking.objects.get().idempotency_key != "abc-1"  # stored hashed


def test_idempotency_same_key_other_body_is_409_conflict(api_client):
    meeting_type, _ = team_page()
    post(api_client, meeting_type, body(slot()), **{"Idempotency-Key": "abc-2"})
    response = post(api_client, meeting_type, body(slot(hour=11)), **{"Idempotency-Key": "abc-2"})
    assert response.status_code == 409
    assert error(response)[0] == "conflict"
    assert Booking.objects.count() == 1


def test_idempotency_replay_works_even_after_the_slot_is_gone(api_client):
    meeting_type, _seller = personal_page()
    data = body(slot())
    first = post(api_client, meeting_type, data, **{"Idempotency-Key": "abc-3"})
    again = post(api_client, meeting_type, data, **{"Idempotency-Key": "abc-3"})
    assert again.status_code == 201
    assert again.json()["id"] == first.json()["id"]


def test_idempotency_key_too_long_is_400(api_client):
    meeting_type, _ = team_page()
    response = post(api_client, meeting_type, body(slot()), **{"Idempotency-Key": "k" * 300})
    assert response.status_code == 400


def test_create_booking_respects_daily_limit(api_client):
    meeting_type, _seller = personal_page(daily_limit=1)
    assert post(api_client, meeting_type, body(slot(hour=9), 1)).status_code == 201
    response = post(api_client, meeting_type, body(slot(hour=11), 2))
    assert response.status_code == 409


def test_create_booking_time_in_prospect_zone_is_converted(api_client):
    meeting_type, _ = team_page()
    start = slot(hour=10).astimezone(dt.UTC)
    response = post(api_client, meeting_type, body(start))
    assert response.status_code == 201
    assert Booking.objects.get().start == start
    assert response.json()["start"] == start.astimezone(LIMA).isoformat()


@pytest.mark.parametrize(
    "start", ["9999-12-31T23:30:00-05:00", "0001-01-01T00:30:00+05:00", "2026-02-30T10:00:00Z"]
)
def test_create_booking_out_of_range_start_is_400_not_500(api_client, start):
    meeting_type, _ = team_page()
    response = post(api_client, meeting_type, body(slot()) | {"start": start})
    assert response.status_code == 400
    assert list(error(response)[1]) == ["start"]


@pytest.mark.parametrize("data", [[], "text", 5])
def test_create_booking_body_not_an_object_is_400(api_client, data):
    meeting_type, _ = team_page()
    response = post(api_client, meeting_type, data)
    assert response.status_code == 400
    assert error(response)[0] == "invalid"


def test_create_booking_gives_the_email_job_the_manage_link(api_client):
    meeting_type, _ = team_page()
    data = post(api_client, meeting_type, body(slot())).json()
    job = SyncJob.objects.get(target="email", action="create")
    assert list(job.payload) == ["manage_url"]
    assert secret(job.payload, "manage_url") == data["manage_url"]


@pytest.mark.parametrize("members", [1, 3, 8])
def test_a_team_booking_costs_at_most_20_queries_whatever_the_team_size(api_client, members):
    """The booking path's budget (docs/benchmarks.md, issue 14): constant in the team's size.
    The first booking fills the caches (webhook subscriptions); the second is measured."""
    meeting_type, _sellers = team_page(members)
    post(api_client, meeting_type, body(slot(hour=9), 1))

    with CaptureQueriesContext(connection) as queries:
        response = post(api_client, meeting_type, body(slot(hour=10), 2, phone="+51 912 345 678"))

    assert response.status_code == 201, response.json()
    assert len(queries) <= 20, "\n".join(q["sql"][:120] for q in queries.captured_queries)
