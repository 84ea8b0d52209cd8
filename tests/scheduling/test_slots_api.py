"""The public page and slots endpoints, through HTTP, with exact expected answers."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from tests.factories import (
    AvailabilityRuleFactory,
    BookingFactory,
    BusyIntervalFactory,
    CalendarConnectionFactory,
    MeetingTypeFactory,
    OverrideFactory,
    PageFactory,
    SellerFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db

UTC = dt.UTC


# No cache.clear() here: on Redis it flushes the database every xdist worker shares. Each
# test's rows have fresh UUIDs, so its cache keys are its own.


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def every_day(seller, start: dt.time, end: dt.time) -> None:
    for weekday in range(7):
        AvailabilityRuleFactory(seller=seller, weekday=weekday, start=start, end=end)


def slots_url(meeting_type) -> str:
    return f"/api/v1/public/pages/{meeting_type.page.slug}/{meeting_type.slug}/slots/"


def get_slots(client, meeting_type, **params):
    return client.get(slots_url(meeting_type), params)


def days_of(response) -> dict[str, list[str]]:
    assert response.status_code == 200, response.json()
    return {day["date"]: day["slots"] for day in response.json()["days"]}


@pytest.fixture
def lima_seller():
    seller = SellerFactory(name="Lucía Lima", timezone="America/Lima")
    for weekday in range(5):
        AvailabilityRuleFactory(seller=seller, weekday=weekday, start=dt.time(9), end=dt.time(12))
    return seller


@pytest.fixture
def lima_meeting(lima_seller):
    page = PageFactory(slug="lucia", seller=lima_seller, timezone="America/Lima")
    return MeetingTypeFactory(page=page, slug="intro", duration=30, slot_interval=30)


@pytest.fixture
def utc_seller():
    seller = SellerFactory(name="Uma UTC", timezone="UTC")
    return seller


def utc_meeting(seller, *, duration: int = 60, interval: int = 60):
    page = PageFactory(seller=seller, timezone="UTC")
    return MeetingTypeFactory(page=page, duration=duration, slot_interval=interval)


# --- the page ---------------------------------------------------------------------------


def test_page_personal_returns_host_and_active_meeting_types(api_client, lima_meeting):
    lima_meeting.questions = [{"key": "goal", "label": "Your goal", "type": "text"}]
    lima_meeting.description = "Half an hour"
    lima_meeting.save()
    MeetingTypeFactory(page=lima_meeting.page, slug="hidden", is_active=False)

    response = api_client.get("/api/v1/public/pages/lucia/")

    assert response.status_code == 200
    assert response.json() == {
        "slug": "lucia",
        "name": lima_meeting.page.name,
        "description": "",
        "timezone": "America/Lima",
        "kind": "seller",
        "host": {"name": "Lucía Lima"},
        "meeting_types": [
            {
                "slug": "intro",
                "name": "Discovery call",
                "description": "Half an hour",
                "duration": 30,
                "location_type": "google_meet",
                "questions": [
                    {
                        "key": "goal",
                        "label": "Your goal",
                        "type": "text",
                        "required": False,
                        "options": [],
                    }
                ],
            }
        ],
    }


def test_page_team_has_no_host(api_client):
    team = TeamFactory(sellers=[SellerFactory()])
    PageFactory(slug="sales", seller=None, team=team)

    body = api_client.get("/api/v1/public/pages/sales/").json()

    assert (body["kind"], body["host"], body["meeting_types"]) == ("team", None, [])


@pytest.mark.parametrize("slug", ["nope", "off"])
def test_page_unknown_or_inactive_is_404(api_client, slug):
    PageFactory(slug="off", is_active=False)

    response = api_client.get(f"/api/v1/public/pages/{slug}/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


# --- exact slot lists -------------------------------------------------------------------


@time_machine.travel(utc(2026, 12, 1, 12), tick=False)
def test_slots_personal_page_lists_every_date_with_its_slots(api_client, lima_meeting):
    response = get_slots(
        api_client, lima_meeting, start="2026-12-05", end="2026-12-07", timezone="America/Lima"
    )

    assert response.json() == {
        "timezone": "America/Lima",
        "duration": 30,
        "days": [
            {"date": "2026-12-05", "slots": []},
            {"date": "2026-12-06", "slots": []},
            {
                "date": "2026-12-07",
                "slots": [
                    "2026-12-07T09:00:00-05:00",
                    "2026-12-07T09:30:00-05:00",
                    "2026-12-07T10:00:00-05:00",
                    "2026-12-07T10:30:00-05:00",
                    "2026-12-07T11:00:00-05:00",
                    "2026-12-07T11:30:00-05:00",
                ],
            },
        ],
    }


@time_machine.travel(utc(2026, 12, 1, 12), tick=False)
def test_slots_in_another_prospect_zone_are_shifted_and_regrouped(api_client, lima_meeting):
    days = days_of(
        get_slots(
            api_client, lima_meeting, start="2026-12-07", end="2026-12-07", timezone="Asia/Tokyo"
        )
    )
    # 09:00–11:30 in Lima (UTC-5) is 23:00 on the 7th to 01:30 on the 8th in Tokyo (UTC+9).
    assert days == {"2026-12-07": ["2026-12-07T23:00:00+09:00", "2026-12-07T23:30:00+09:00"]}


@time_machine.travel(utc(2026, 12, 7, 15, 10), tick=False)
def test_slots_respect_min_notice_and_buffers_around_bookings(api_client, lima_meeting):
    lima_meeting.min_notice = 60
    lima_meeting.buffer_after = 15
    lima_meeting.save()
    # 10:10 Lima now: notice keeps out everything before 11:10.
    days = days_of(
        get_slots(
            api_client,
            lima_meeting,
            start="2026-12-07",
            end="2026-12-08",
            timezone="America/Lima",
        )
    )
    assert days["2026-12-07"] == ["2026-12-07T11:30:00-05:00"]
    BookingFactory(meeting_type=lima_meeting, start=utc(2026, 12, 8, 15))  # 10:00 Lima
    days = days_of(
        get_slots(
            api_client,
            lima_meeting,
            start="2026-12-08",
            end="2026-12-08",
            timezone="America/Lima",
        )
    )
    # 10:00 is taken; 09:30 would end at 10:00 but needs 15 free minutes after it; the
    # booking's own buffer keeps 10:30 out too.
    assert days["2026-12-08"] == [
        "2026-12-08T09:00:00-05:00",
        "2026-12-08T11:00:00-05:00",
        "2026-12-08T11:30:00-05:00",
    ]


@time_machine.travel(utc(2026, 10, 25), tick=False)
def test_slots_new_york_prospect_on_fall_back_day(api_client, utc_seller):
    every_day(utc_seller, dt.time(3), dt.time(8))
    meeting = utc_meeting(utc_seller)

    days = days_of(
        get_slots(
            api_client, meeting, start="2026-11-01", end="2026-11-01", timezone="America/New_York"
        )
    )

    # Clocks go back at 06:00 UTC: 01:00 happens twice, once at -04:00 and once at -05:00;
    # 03:00 and 04:00 UTC of Nov 2 are 22:00 and 23:00 on Nov 1 in New York.
    assert days == {
        "2026-11-01": [
            "2026-11-01T00:00:00-04:00",
            "2026-11-01T01:00:00-04:00",
            "2026-11-01T01:00:00-05:00",
            "2026-11-01T02:00:00-05:00",
            "2026-11-01T22:00:00-05:00",
            "2026-11-01T23:00:00-05:00",
        ]
    }


@time_machine.travel(utc(2026, 3, 20), tick=False)
def test_slots_madrid_prospect_on_spring_forward_day(api_client, utc_seller):
    every_day(utc_seller, dt.time(0), dt.time(3))
    meeting = utc_meeting(utc_seller)

    days = days_of(
        get_slots(
            api_client, meeting, start="2026-03-29", end="2026-03-29", timezone="Europe/Madrid"
        )
    )

    assert days == {
        "2026-03-29": [
            "2026-03-29T01:00:00+01:00",
            "2026-03-29T03:00:00+02:00",
            "2026-03-29T04:00:00+02:00",
        ]
    }


@time_machine.travel(utc(2026, 3, 28), tick=False)
def test_slots_lord_howe_prospect_on_half_hour_shift(api_client, utc_seller):
    every_day(utc_seller, dt.time(14), dt.time(16))
    meeting = utc_meeting(utc_seller, duration=30, interval=30)

    days = days_of(
        get_slots(
            api_client,
            meeting,
            start="2026-04-05",
            end="2026-04-05",
            timezone="Australia/Lord_Howe",
        )
    )

    # Lord Howe leaves +11:00 for +10:30 at 15:00 UTC: 01:30 happens twice.
    assert days == {
        "2026-04-05": [
            "2026-04-05T01:00:00+11:00",
            "2026-04-05T01:30:00+11:00",
            "2026-04-05T01:30:00+10:30",
            "2026-04-05T02:00:00+10:30",
        ]
    }


@time_machine.travel(utc(2026, 12, 1), tick=False)
def test_slots_kathmandu_prospect_quarter_hour_offset(api_client, utc_seller):
    every_day(utc_seller, dt.time(3, 15), dt.time(4, 15))
    meeting = utc_meeting(utc_seller, duration=30, interval=30)

    days = days_of(
        get_slots(
            api_client, meeting, start="2026-12-07", end="2026-12-07", timezone="Asia/Kathmandu"
        )
    )

    assert days == {"2026-12-07": ["2026-12-07T09:00:00+05:45", "2026-12-07T09:30:00+05:45"]}


@time_machine.travel(utc(2026, 12, 1), tick=False)
@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        (
            "Pacific/Kiritimati",
            {
                "2026-12-07": ["2026-12-07T00:00:00+14:00", "2026-12-07T23:00:00+14:00"],
                "2026-12-08": ["2026-12-08T00:00:00+14:00", "2026-12-08T23:00:00+14:00"],
            },
        ),
        (
            "Pacific/Pago_Pago",
            {
                "2026-12-07": ["2026-12-07T22:00:00-11:00", "2026-12-07T23:00:00-11:00"],
                "2026-12-08": ["2026-12-08T22:00:00-11:00", "2026-12-08T23:00:00-11:00"],
            },
        ),
    ],
)
def test_slots_grouped_by_prospect_date_across_the_date_line(
    api_client, utc_seller, zone, expected
):
    every_day(utc_seller, dt.time(9), dt.time(11))
    meeting = utc_meeting(utc_seller)

    days = days_of(
        get_slots(api_client, meeting, start="2026-12-07", end="2026-12-08", timezone=zone)
    )

    assert days == expected


@time_machine.travel(utc(2026, 12, 1), tick=False)
def test_slots_31_day_range_lists_32_dates(api_client, lima_meeting):
    days = days_of(
        get_slots(
            api_client, lima_meeting, start="2026-12-01", end="2027-01-01", timezone="America/Lima"
        )
    )

    assert len(days) == 32
    assert min(days) == "2026-12-01"
    assert max(days) == "2027-01-01"
    # max_days_ahead 60 from Dec 1 still reaches Jan 1 (a Friday).
    assert len(days["2027-01-01"]) == 6


@time_machine.travel(utc(2026, 12, 1), tick=False)
def test_slots_override_blocks_day_and_global_override_blocks_everyone(api_client, lima_meeting):
    OverrideFactory(seller=lima_meeting.page.seller, date=dt.date(2026, 12, 7))
    OverrideFactory(seller=None, date=dt.date(2026, 12, 8))

    days = days_of(
        get_slots(
            api_client, lima_meeting, start="2026-12-07", end="2026-12-09", timezone="America/Lima"
        )
    )

    assert (len(days["2026-12-07"]), len(days["2026-12-08"]), len(days["2026-12-09"])) == (
        0,
        0,
        6,
    )


# --- teams ------------------------------------------------------------------------------


def team_meeting(sellers, *, routing="round_robin"):
    team = TeamFactory(sellers=sellers)
    page = PageFactory(seller=None, team=team, routing=routing)
    return MeetingTypeFactory(page=page, duration=60, slot_interval=60)


@time_machine.travel(utc(2026, 12, 1), tick=False)
def test_slots_team_slot_offered_while_any_member_is_free(api_client):
    ana, ben = SellerFactory(timezone="UTC"), SellerFactory(timezone="UTC")
    every_day(ana, dt.time(9), dt.time(11))
    every_day(ben, dt.time(9), dt.time(11))
    meeting = team_meeting([ana, ben])
    BookingFactory(meeting_type=meeting, seller=ana, start=utc(2026, 12, 7, 9))
    BookingFactory(meeting_type=meeting, seller=ana, start=utc(2026, 12, 7, 10))
    BusyIntervalFactory(seller=ben, start=utc(2026, 12, 7, 10), end=utc(2026, 12, 7, 10, 30))

    days = days_of(
        get_slots(api_client, meeting, start="2026-12-07", end="2026-12-07", timezone="UTC")
    )

    assert days == {"2026-12-07": ["2026-12-07T09:00:00+00:00"]}


@time_machine.travel(utc(2026, 12, 1), tick=False)
def test_slots_team_inactive_member_is_not_eligible(api_client):
    ana = SellerFactory(timezone="UTC", is_active=False)
    every_day(ana, dt.time(9), dt.time(10))
    meeting = team_meeting([ana])

    days = days_of(
        get_slots(api_client, meeting, start="2026-12-07", end="2026-12-07", timezone="UTC")
    )

    assert days == {"2026-12-07": []}


@time_machine.travel(utc(2026, 12, 1), tick=False)
@pytest.mark.parametrize(
    ("country", "expected_hours"),
    [
        ("PE", [9]),  # the seller of that country
        ("ar", [9, 10]),  # no one in Argentina: Latin America
        ("JP", [9, 10, 11]),  # no one in Asia-Pacific: the whole team
        ("", [9, 10, 11]),
    ],
)
def test_slots_by_country_page_offers_the_prospects_sellers(api_client, country, expected_hours):
    peru = SellerFactory(timezone="UTC", country="PE", region="LATAM")
    mexico = SellerFactory(timezone="UTC", country="MX", region="LATAM")
    spain = SellerFactory(timezone="UTC", country="ES", region="EMEA")
    for seller, hour in ((peru, 9), (mexico, 10), (spain, 11)):
        every_day(seller, dt.time(hour), dt.time(hour + 1))
    meeting = team_meeting([peru, mexico, spain], routing="by_country")

    days = days_of(
        get_slots(
            api_client,
            meeting,
            start="2026-12-07",
            end="2026-12-07",
            timezone="UTC",
            country=country,
        )
    )

    assert days == {"2026-12-07": [f"2026-12-07T{h:02d}:00:00+00:00" for h in expected_hours]}


# --- errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "2026-13-01", "end": "2026-12-02", "timezone": "UTC"}, "start"),
        ({"start": "2026-12-01", "end": "tomorrow", "timezone": "UTC"}, "end"),
        ({"start": "2026-12-01T00:00", "end": "2026-12-02", "timezone": "UTC"}, "start"),
        ({"end": "2026-12-02", "timezone": "UTC"}, "start"),
        ({"start": "2026-12-01", "timezone": "UTC"}, "end"),
        ({"start": "2026-12-02", "end": "2026-12-01", "timezone": "UTC"}, "end"),
        ({"start": "0001-01-01", "end": "0001-01-02", "timezone": "Pacific/Kiritimati"}, "start"),
        ({"start": "9999-12-30", "end": "9999-12-31", "timezone": "Pacific/Pago_Pago"}, "start"),
        ({"start": "2026-12-01", "end": "2027-01-02", "timezone": "UTC"}, "end"),
        ({"start": "2026-12-01", "end": "2026-12-02", "timezone": "Mars/Olympus"}, "timezone"),
        ({"start": "2026-12-01", "end": "2026-12-02"}, "timezone"),
        (
            {"start": "2026-12-01", "end": "2026-12-02", "timezone": "UTC", "country": "ZZ"},
            "country",
        ),
        (
            {"start": "2026-12-01", "end": "2026-12-02", "timezone": "UTC", "country": "PER"},
            "country",
        ),
    ],
)
def test_slots_bad_query_is_400_with_the_field(api_client, lima_meeting, params, field):
    response = api_client.get(slots_url(lima_meeting), params)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["fields"]) == [field]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/public/pages/nope/intro/slots/",
        "/api/v1/public/pages/lucia/nope/slots/",
        "/api/v1/public/pages/lucia/off/slots/",
        "/api/v1/public/pages/closed/intro/slots/",
    ],
)
def test_slots_unknown_or_inactive_page_or_type_is_404(api_client, lima_meeting, path):
    MeetingTypeFactory(page=lima_meeting.page, slug="off", is_active=False)
    MeetingTypeFactory(page=PageFactory(slug="closed", is_active=False), slug="intro")

    response = api_client.get(path, {"start": "2026-12-01", "end": "2026-12-01", "timezone": "UTC"})

    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "not_found", "message": "No such page or meeting type.", "fields": {}}
    }


@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_public_unknown_path_answers_the_404_envelope(api_client, method):
    response = getattr(api_client, method)("/api/v1/public/nothing/here/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_slots_wrong_method_answers_the_405_envelope(api_client, lima_meeting):
    response = api_client.post(slots_url(lima_meeting), {})

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_public_api_ignores_credentials(api_client, lima_meeting):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = api_client.get("/api/v1/public/pages/lucia/")

    assert response.status_code == 200


# --- cache ------------------------------------------------------------------------------


@time_machine.travel(utc(2026, 12, 1), tick=False)
def test_slots_cache_never_serves_a_slot_taken_by_a_new_booking(api_client, lima_meeting):
    params = {"start": "2026-12-07", "end": "2026-12-07", "timezone": "America/Lima"}
    first = days_of(api_client.get(slots_url(lima_meeting), params))
    assert "2026-12-07T09:00:00-05:00" in first["2026-12-07"]
    with CaptureQueriesContext(connection) as warm:
        assert days_of(api_client.get(slots_url(lima_meeting), params)) == first
    assert len(warm) == 0  # the answer came from the cache, found by its URL

    BookingFactory(meeting_type=lima_meeting, start=utc(2026, 12, 7, 14))  # 09:00 Lima

    assert days_of(api_client.get(slots_url(lima_meeting), params)) == {
        "2026-12-07": first["2026-12-07"][1:]
    }


@time_machine.travel(utc(2026, 12, 1), tick=False)
@pytest.mark.parametrize("change", ["busy", "override", "global_override", "rule", "cancel"])
def test_slots_cache_follows_every_kind_of_write(api_client, lima_meeting, change):
    seller = lima_meeting.page.seller
    params = {"start": "2026-12-07", "end": "2026-12-07", "timezone": "America/Lima"}
    booking = BookingFactory(meeting_type=lima_meeting, start=utc(2026, 12, 7, 16))
    before = days_of(api_client.get(slots_url(lima_meeting), params))["2026-12-07"]
    assert len(before) == 5

    if change == "busy":
        BusyIntervalFactory(seller=seller, start=utc(2026, 12, 7, 14), end=utc(2026, 12, 7, 15))
        expected = 3
    elif change == "override":
        OverrideFactory(seller=seller, date=dt.date(2026, 12, 7))
        expected = 0
    elif change == "global_override":
        OverrideFactory(seller=None, date=dt.date(2026, 12, 7))
        expected = 0
    elif change == "rule":
        seller.availability_rules.filter(weekday=0).update(end=dt.time(10))
        from scheduling.cache import bump_sellers

        bump_sellers([seller.id])  # update() sends no signal: its caller bumps
        expected = 2
    else:
        booking.status = "cancelled"
        booking.save()
        expected = 6

    after = days_of(api_client.get(slots_url(lima_meeting), params))["2026-12-07"]
    assert len(after) == expected


@time_machine.travel(utc(2026, 12, 1), tick=False)
def test_slots_cache_follows_team_membership(api_client):
    ana, ben = SellerFactory(timezone="UTC"), SellerFactory(timezone="UTC")
    every_day(ana, dt.time(9), dt.time(10))
    every_day(ben, dt.time(10), dt.time(11))
    meeting = team_meeting([ana])
    params = {"start": "2026-12-07", "end": "2026-12-07", "timezone": "UTC"}
    assert len(days_of(api_client.get(slots_url(meeting), params))["2026-12-07"]) == 1

    meeting.page.team.members.add(ben)

    assert len(days_of(api_client.get(slots_url(meeting), params))["2026-12-07"]) == 2


@time_machine.travel(utc(2026, 12, 1), tick=False)
def test_slots_answer_carries_a_strong_etag_and_a_match_gives_304(api_client, lima_meeting):
    url, params = slots_url(lima_meeting), {"start": "2026-12-07", "end": "2026-12-07"}
    params["timezone"] = "America/Lima"
    first = api_client.get(url, params)
    etag = first["ETag"]
    assert (first.status_code, etag[0], etag[-1], len(etag)) == (200, '"', '"', 34)
    assert first["Cache-Control"] == "no-cache"
    assert first["Content-Type"] == "application/json"

    for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        with CaptureQueriesContext(connection) as queries:
            again = api_client.get(url, params, HTTP_IF_NONE_MATCH=header)
        assert (again.status_code, again.content, again["ETag"]) == (304, b"", etag)
        assert len(queries) == 0
    assert api_client.get(url, params, HTTP_IF_NONE_MATCH='"other"').content == first.content

    BookingFactory(meeting_type=lima_meeting, start=utc(2026, 12, 7, 14))  # 09:00 Lima

    changed = api_client.get(url, params, HTTP_IF_NONE_MATCH=etag)
    assert (changed.status_code, changed["ETag"] != etag) == (200, True)
    assert days_of(changed)["2026-12-07"] == days_of(first)["2026-12-07"][1:]


@time_machine.travel(utc(2026, 12, 1), tick=False)
def test_slots_warm_team_answer_is_one_query_and_follows_calendar_status(api_client):
    ana, ben = SellerFactory(timezone="UTC"), SellerFactory(timezone="UTC")
    every_day(ana, dt.time(9), dt.time(10))
    every_day(ben, dt.time(10), dt.time(11))
    broken = CalendarConnectionFactory(seller=ben, status="broken")
    meeting = team_meeting([ana, ben])
    params = {"start": "2026-12-07", "end": "2026-12-07", "timezone": "UTC"}
    assert days_of(api_client.get(slots_url(meeting), params))["2026-12-07"] == [
        "2026-12-07T09:00:00+00:00"
    ]
    with CaptureQueriesContext(connection) as warm:
        api_client.get(slots_url(meeting), params)
    assert len(warm) == 0  # the eligible sellers and the meeting type came with the answer

    broken.status = "active"  # reconnected: ben is eligible again
    broken.save()

    assert days_of(api_client.get(slots_url(meeting), params))["2026-12-07"] == [
        "2026-12-07T09:00:00+00:00",
        "2026-12-07T10:00:00+00:00",
    ]


@time_machine.travel(utc(2026, 12, 1), tick=False)
def test_slots_answer_when_the_cache_is_down(api_client, lima_meeting):
    dead = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
        }
    }
    throttled = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"public": "1000/min"}}
    with override_settings(CACHES=dead, REST_FRAMEWORK=throttled):
        days = days_of(
            get_slots(
                api_client,
                lima_meeting,
                start="2026-12-07",
                end="2026-12-07",
                timezone="America/Lima",
            )
        )
        BookingFactory(meeting_type=lima_meeting, start=utc(2026, 12, 7, 14))  # bump fails quietly

    assert len(days["2026-12-07"]) == 6


# --- query counts -----------------------------------------------------------------------


def loaded_team(size: int):
    sellers = []
    for n in range(size):
        seller = SellerFactory(timezone=["UTC", "America/Lima", "Europe/Madrid"][n % 3])
        every_day(seller, dt.time(8), dt.time(18))
        sellers.append(seller)
    meeting = team_meeting(sellers)
    meeting.daily_limit, meeting.weekly_limit, meeting.buffer_before = 4, 10, 10
    meeting.save()
    for seller in sellers:
        BookingFactory(meeting_type=meeting, seller=seller, start=utc(2026, 12, 8, 12))
        BusyIntervalFactory(seller=seller, start=utc(2026, 12, 9, 12), end=utc(2026, 12, 9, 13))
        OverrideFactory(seller=seller, date=dt.date(2026, 12, 10))
    OverrideFactory(seller=None, date=dt.date(2026, 12, 25))
    return meeting


@time_machine.travel(utc(2026, 12, 1), tick=False)
def test_slots_query_count_is_the_same_for_1_and_20_sellers(api_client):
    params = {"start": "2026-12-01", "end": "2026-12-31", "timezone": "America/New_York"}
    counts = []
    for size in (1, 20):
        meeting = loaded_team(size)  # fresh ids: nothing of it is cached
        with CaptureQueriesContext(connection) as queries:
            response = api_client.get(slots_url(meeting), params)
        assert response.status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1]
    assert counts[1] <= 6


# --- the warm path (scheduling.api.warm) ------------------------------------------------


@time_machine.travel(utc(2026, 12, 1), tick=False)
def test_slots_warm_answer_has_the_headers_of_the_computed_one(api_client, lima_meeting):
    params = {"start": "2026-12-07", "end": "2026-12-07", "timezone": "America/Lima"}
    cold = get_slots(api_client, lima_meeting, **params)
    with CaptureQueriesContext(connection) as queries:
        warm = api_client.get(slots_url(lima_meeting), params, HTTP_X_REQUEST_ID="warm-1")

    assert len(queries) == 0
    assert (warm.status_code, warm.content) == (200, cold.content)
    assert warm["X-Request-ID"] == "warm-1"
    assert {name: warm[name] for name, _ in cold.items() if name != "X-Request-ID"} == {
        name: value for name, value in cold.items() if name != "X-Request-ID"
    }
    assert sorted(name for name, _ in warm.items()) == sorted(name for name, _ in cold.items())


@time_machine.travel(utc(2026, 12, 1), tick=False)
@pytest.mark.parametrize("change", ["duration", "inactive_type", "inactive_page"])
def test_slots_warm_answer_follows_page_and_meeting_type_edits(api_client, lima_meeting, change):
    params = {"start": "2026-12-07", "end": "2026-12-07", "timezone": "America/Lima"}
    assert len(days_of(get_slots(api_client, lima_meeting, **params))["2026-12-07"]) == 6

    if change == "duration":
        lima_meeting.duration = 60
        lima_meeting.save()
    elif change == "inactive_type":
        lima_meeting.is_active = False
        lima_meeting.save()
    else:
        lima_meeting.page.is_active = False
        lima_meeting.page.save()
    again = get_slots(api_client, lima_meeting, **params)

    if change == "duration":
        assert (again.json()["duration"], len(days_of(again)["2026-12-07"])) == (60, 5)
    else:
        assert again.status_code == 404


@time_machine.travel(utc(2026, 12, 1), tick=False)
def test_slots_warm_path_leaves_other_requests_to_the_view(api_client, lima_meeting):
    params = {"start": "2026-12-07", "end": "2026-12-07", "timezone": "America/Lima"}
    first = get_slots(api_client, lima_meeting, **params)

    unacceptable = api_client.get(slots_url(lima_meeting), params, HTTP_ACCEPT="image/png")
    assert unacceptable.status_code == 406
    with CaptureQueriesContext(connection) as queries:
        head = api_client.head(slots_url(lima_meeting), params)
    assert (head.status_code, head["ETag"], len(queries) > 0) == (200, first["ETag"], True)
    bad = get_slots(api_client, lima_meeting, start="2026-12-07", timezone="America/Lima")
    assert bad.status_code == 400


@time_machine.travel(utc(2026, 12, 1), tick=False)
def test_slots_throttle_counts_a_warm_and_a_cold_request_once(api_client, lima_meeting, settings):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "public": "3/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    params = {"start": "2026-12-07", "end": "2026-12-07", "timezone": "America/Lima"}

    url = slots_url(lima_meeting)
    answers = [api_client.get(url, params, REMOTE_ADDR="10.9.0.1") for _ in range(4)]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert answers[3].json()["error"]["code"] == "rate_limited"
    assert 1 <= int(answers[3]["Retry-After"]) <= 60
