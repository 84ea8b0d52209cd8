"""seed_demo: the expected demo data on the first run, nothing new on any later run."""

import datetime as dt
import io
import zoneinfo

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command

from bookings.models import Booking, BookingEvent
from bookings.outbox.models import SyncJob
from bookings.outbox.payload import secret
from bookings.tokens import key_digest
from routing.models import RoutingDecision, RoutingRule
from scheduling.models import AvailabilityOverride, AvailabilityRule, MeetingType, SchedulingPage
from sellers.models import Seller, Team, TeamMembership

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 18, 12, 0, tzinfo=dt.UTC)  # a Wednesday


def seed(**options: object) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


@time_machine.travel(NOW, tick=False)
def test_seed_demo_first_run_creates_the_demo() -> None:
    before = counts()

    seed()

    after = counts()
    assert {label: n - before[label] for label, n in after.items() if n != before[label]} == {
        "auth.User": 1,
        "sellers.Seller": 8,
        "sellers.Team": 1,
        "sellers.TeamMembership": 8,
        "scheduling.SchedulingPage": 10,
        "scheduling.MeetingType": 30,
        "scheduling.AvailabilityRule": 65,
        "scheduling.AvailabilityOverride": 6,
        "routing.RoutingRule": 1,
        "routing.RoutingDecision": 7,
        "bookings.Booking": 7,
        "bookings.BookingEvent": 10,
        "sellers.SellerMetric": 7,  # written by the booking service, like any booking
        "bookings.SyncJob": 7,  # the confirmation emails (no other provider is on)
        # The reminders each booking plans (offsets still ahead, the seller's outcome
        # prompt) and its stored manage link; reminder templates are the meeting types.
        "bookings.Reminder": 10,
        "bookings.ManageLink": 7,
        "bookings.ReminderTemplates": 30,
    }


@time_machine.travel(NOW, tick=False)
def test_seed_demo_sellers_pages_and_meeting_types() -> None:
    seed()

    assert sorted(set(Seller.objects.values_list("country", "timezone", "region"))) == [
        ("CO", "America/Bogota", "LATAM"),
        ("ES", "Europe/Madrid", "EMEA"),
        ("FR", "Europe/Paris", "EMEA"),
        ("MX", "America/Mexico_City", "LATAM"),
        ("PE", "America/Lima", "LATAM"),
    ]
    team = Team.objects.get(slug="sales-team")
    assert (team.name, team.members.count()) == ("Sales team", 8)
    pages = {p.slug: p for p in SchedulingPage.objects.all()}
    assert (pages["sales-team"].team, pages["sales-team"].routing) == (team, "round_robin")
    assert (pages["sales-by-country"].team, pages["sales-by-country"].routing) == (
        team,
        "by_country",
    )
    for seller in Seller.objects.all():
        assert pages[seller.slug].seller == seller
    for page in pages.values():
        assert sorted(page.meeting_types.values_list("slug", "duration", "location_type")) == [
            ("demo", 60, "zoom"),
            ("discovery", 30, "google_meet"),
            ("phone-call", 15, "phone"),
        ]
    demo = MeetingType.objects.filter(slug="demo").first()
    assert [(q["key"], q["type"], q["required"]) for q in demo.questions] == [
        ("company_size", "select", True),
        ("budget", "select", False),
        ("use_case", "textarea", True),
    ]
    assert (demo.buffer_before, demo.buffer_after) == (10, 15)


@time_machine.travel(NOW, tick=False)
def test_seed_demo_hours_holidays_and_vacation() -> None:
    seed()

    lucia = Seller.objects.get(slug="lucia-torres")
    assert list(
        AvailabilityRule.objects.filter(seller=lucia, weekday=0).values_list("start", "end")
    ) == [(dt.time(9), dt.time(13)), (dt.time(14), dt.time(18))]
    assert set(AvailabilityRule.objects.values_list("weekday", flat=True)) == {0, 1, 2, 3, 4}
    assert sorted(
        AvailabilityOverride.objects.filter(seller=None).values_list("date", flat=True)
    ) == [dt.date(2026, 12, 25), dt.date(2027, 1, 1)]
    assert AvailabilityOverride.objects.filter(seller__slug="camille-dubois").count() == 4


@time_machine.travel(NOW, tick=False)
def test_seed_demo_bookings_are_valid_and_relative_to_now() -> None:
    seed()

    by_key = {
        b.idempotency_key: b
        for b in Booking.objects.select_related("meeting_type", "seller", "routing_decision")
    }
    bookings = [by_key[key_digest(f"seed-{n}")] for n in range(1, 8)]  # never the plain key
    assert len(by_key) == 7
    assert [b.start > NOW for b in bookings] == [True, True, True, True, False, False, False]
    for b in bookings:
        mt = b.meeting_type
        local = b.start.astimezone(zoneinfo.ZoneInfo(b.seller.timezone))
        assert local.weekday() < 5
        assert b.end - b.start == dt.timedelta(minutes=mt.duration)
        assert b.blocked_start == b.start - dt.timedelta(minutes=mt.buffer_before)
        assert b.blocked_end == b.end + dt.timedelta(minutes=mt.buffer_after)
        assert b.manage_token_expires_at == b.end + dt.timedelta(days=7)
        assert len(b.manage_token_hash) == 64
        assert b.routing_decision.chosen == b.seller
    assert [b.status for b in bookings] == [*["confirmed"] * 4, "completed", "completed", "no_show"]
    rosa = bookings[0]
    # Two weekdays after Wednesday 18 November, 10:00 in Lima (UTC-5).
    assert rosa.start == dt.datetime(2026, 11, 20, 15, 0, tzinfo=dt.UTC)


@time_machine.travel(NOW, tick=False)
def test_seed_demo_books_through_the_service_with_real_decisions_and_events() -> None:
    seed()

    for booking in Booking.objects.select_related("seller", "routing_decision"):
        decision = booking.routing_decision
        assert (decision.strategy, decision.chosen) == ("fixed", booking.seller)
        assert decision.reason == (f"fixed seller: {booking.seller.name} (seller chosen by system)")
        assert booking.source == "web"
        kinds = list(booking.events.values_list("kind", "actor"))
        finished = [] if booking.status == "confirmed" else [(booking.status, "system")]
        assert kinds == [("created", "prospect"), *finished]
    jobs = SyncJob.objects.filter(target="email", action="create")
    assert jobs.count() == 7
    assert all(secret(job.payload, "manage_url").startswith("http") for job in jobs)


@time_machine.travel(NOW, tick=False)
def test_seed_demo_second_run_creates_nothing() -> None:
    seed()
    before = counts()
    ids_before = set(Booking.objects.values_list("id", flat=True))

    with time_machine.travel(NOW + dt.timedelta(days=3), tick=False):  # another day
        seed()

    assert counts() == before
    assert set(Booking.objects.values_list("id", flat=True)) == ids_before


def test_seed_demo_prints_working_admin_credentials(client) -> None:
    first = seed()
    second = seed(admin_password="chosen-pass-42")

    assert "Admin login:  admin / " in first
    assert "Admin login:  admin / chosen-pass-42" in second
    user = get_user_model().objects.get(username="admin")
    assert (user.is_staff, user.is_superuser) == (True, True)
    assert client.login(username="admin", password="chosen-pass-42")


def test_seed_demo_keeps_edits_made_in_the_admin() -> None:
    seed()
    Seller.objects.filter(slug="diego-ramirez").update(weight=5, name="Diego R.")
    MeetingType.objects.filter(slug="demo").update(duration=45)

    seed()

    diego = Seller.objects.get(slug="diego-ramirez")
    assert (diego.weight, diego.name) == (5, "Diego R.")
    assert set(MeetingType.objects.filter(slug="demo").values_list("duration", flat=True)) == {45}
    assert TeamMembership.objects.count() == 8
    assert RoutingRule.objects.count() == 1
    assert RoutingDecision.objects.count() == BookingEvent.objects.filter(kind="created").count()
