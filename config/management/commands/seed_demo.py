"""Demo data: eight sellers across Peru, Colombia, Mexico, Spain and France, a team with a
round-robin page and a by-country page, personal pages, meeting types, holidays, a few
bookings and an admin login.

Bookings go through the booking service like any other (routing decision, events, outbox
rows, confirmation emails to the demo addresses), each with the seller it names; past ones
on an earlier clock, then completed or marked no-show through the services.

Idempotent: every row is keyed on something stable (slugs, emails, dates, the bookings'
``seed-<n>`` Idempotency-Keys, stored hashed), so a second run creates nothing. Bookings
are placed relative to the day of the first run and are never moved afterwards.

Lives in ``config`` (the top layer) because it writes through every app's services.
"""

import datetime as dt
import secrets
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from bookings import services, tokens
from bookings.models import Booking, BookingStatus
from config.errors import DomainError
from routing.models import RoutingRule, RoutingStrategy
from scheduling.models import (
    AvailabilityOverride,
    AvailabilityRule,
    LocationType,
    MeetingType,
    SchedulingPage,
)
from sellers.models import Seller, Team, TeamMembership

Hours = list[tuple[str, str]]


@dataclass(frozen=True)
class DemoSeller:
    name: str
    slug: str
    country: str
    region: str
    languages: list[str]
    timezone: str
    hours: Hours
    weight: int = 1

    @property
    def email(self) -> str:
        return f"{self.slug.replace('-', '.')}@meetroute.example"


SELLERS = [
    DemoSeller(
        "Lucía Torres",
        "lucia-torres",
        "PE",
        "LATAM",
        ["es", "en"],
        "America/Lima",
        [("09:00", "13:00"), ("14:00", "18:00")],
        weight=2,
    ),
    DemoSeller(
        "Diego Ramírez",
        "diego-ramirez",
        "PE",
        "LATAM",
        ["es"],
        "America/Lima",
        [("08:00", "17:00")],
    ),
    DemoSeller(
        "Valentina Gómez",
        "valentina-gomez",
        "CO",
        "LATAM",
        ["es", "en"],
        "America/Bogota",
        [("09:00", "12:30"), ("13:30", "18:00")],
    ),
    DemoSeller(
        "Andrés Morales",
        "andres-morales",
        "CO",
        "LATAM",
        ["es", "pt"],
        "America/Bogota",
        [("10:00", "19:00")],
    ),
    DemoSeller(
        "Camila Hernández",
        "camila-hernandez",
        "MX",
        "LATAM",
        ["es", "en"],
        "America/Mexico_City",
        [("09:00", "14:00"), ("15:00", "18:00")],
    ),
    DemoSeller(
        "Javier Ortega",
        "javier-ortega",
        "ES",
        "EMEA",
        ["es", "en", "ca"],
        "Europe/Madrid",
        [("09:00", "14:00"), ("15:00", "18:00")],
        weight=2,
    ),
    DemoSeller(
        "Marta Sánchez",
        "marta-sanchez",
        "ES",
        "EMEA",
        ["es", "en"],
        "Europe/Madrid",
        [("08:30", "15:30")],
    ),
    DemoSeller(
        "Camille Dubois",
        "camille-dubois",
        "FR",
        "EMEA",
        ["fr", "en"],
        "Europe/Paris",
        [("09:00", "12:00"), ("13:30", "17:30")],
    ),
]

HOLIDAYS = [
    (dt.date(2026, 12, 25), "Christmas Day"),
    (dt.date(2027, 1, 1), "New Year's Day"),
]
VACATION = ("camille-dubois", [dt.date(2026, 12, 28) + dt.timedelta(days=i) for i in range(4)])

DEMO_QUESTIONS = [
    {
        "key": "company_size",
        "label": "Company size",
        "type": "select",
        "required": True,
        "options": ["1-10", "11-50", "51-200", "201-1000", "1000+"],
    },
    {
        "key": "budget",
        "label": "Budget for this project",
        "type": "select",
        "required": False,
        "options": ["Under $5k", "$5k-$20k", "$20k-$100k", "Over $100k"],
    },
    {
        "key": "use_case",
        "label": "What would you like to achieve?",
        "type": "textarea",
        "required": True,
    },
]

MEETING_TYPES = [
    {
        "slug": "phone-call",
        "name": "Quick phone call",
        "description": "A 15-minute call to answer your questions.",
        "duration": 15,
        "slot_interval": 15,
        "location_type": LocationType.PHONE,
        "location_details": "We call the number you give us.",
        "buffer_before": 0,
        "buffer_after": 5,
        "min_notice": 120,
        "reminder_offsets": [60],
        "questions": [],
        "order": 1,
    },
    {
        "slug": "discovery",
        "name": "Discovery call",
        "description": "30 minutes on Google Meet to understand your needs.",
        "duration": 30,
        "slot_interval": 30,
        "location_type": LocationType.GOOGLE_MEET,
        "location_details": "",
        "buffer_before": 0,
        "buffer_after": 10,
        "min_notice": 240,
        "reminder_offsets": [1440, 60],
        "questions": [],
        "order": 2,
    },
    {
        "slug": "demo",
        "name": "Product demo",
        "description": "A 60-minute Zoom demo tailored to your team.",
        "duration": 60,
        "slot_interval": 30,
        "location_type": LocationType.ZOOM,
        "location_details": "",
        "buffer_before": 10,
        "buffer_after": 15,
        "min_notice": 1440,
        "daily_limit": 3,
        "reminder_offsets": [1440, 60],
        "questions": DEMO_QUESTIONS,
        "order": 3,
    },
]


@dataclass(frozen=True)
class DemoBooking:
    key: str
    seller: str
    meeting_type: str
    weekdays_from_today: int  # negative: in the past
    local_time: str
    name: str
    email: str
    prospect_timezone: str
    country: str
    company: str = ""
    answers: dict[str, Any] | None = None
    status: str = BookingStatus.CONFIRMED


BOOKINGS = [
    DemoBooking(
        "seed-1",
        "lucia-torres",
        "demo",
        2,
        "10:00",
        "Rosa Quispe",
        "rosa.quispe@andinafoods.example",
        "America/Lima",
        "PE",
        "Andina Foods",
        {"company_size": "51-200", "budget": "$5k-$20k", "use_case": "Route inbound leads."},
    ),
    DemoBooking(
        "seed-2",
        "javier-ortega",
        "discovery",
        1,
        "10:00",
        "Pablo Ruiz",
        "pablo.ruiz@iberlog.example",
        "Europe/Madrid",
        "ES",
        "Iberlog",
    ),
    DemoBooking(
        "seed-3",
        "camila-hernandez",
        "phone-call",
        3,
        "11:00",
        "Sofía Castillo",
        "sofia.castillo@tacomatic.example",
        "America/Mexico_City",
        "MX",
        "Tacomatic",
    ),
    DemoBooking(
        "seed-4",
        "camille-dubois",
        "demo",
        4,
        "10:00",
        "Louis Martin",
        "louis.martin@bleuciel.example",
        "Europe/Paris",
        "FR",
        "Bleu Ciel",
        {"company_size": "201-1000", "budget": "Over $100k", "use_case": "Replace our scheduler."},
    ),
    DemoBooking(
        "seed-5",
        "valentina-gomez",
        "discovery",
        -2,
        "10:00",
        "Juan Pérez",
        "juan.perez@cafetal.example",
        "America/Bogota",
        "CO",
        "Cafetal",
        status=BookingStatus.COMPLETED,
    ),
    DemoBooking(
        "seed-6",
        "marta-sanchez",
        "demo",
        -3,
        "10:00",
        "Elena Vidal",
        "elena.vidal@solmar.example",
        "Europe/Madrid",
        "ES",
        "Solmar",
        {"company_size": "11-50", "budget": "Under $5k", "use_case": "Book demos from our site."},
        status=BookingStatus.COMPLETED,
    ),
    DemoBooking(
        "seed-7",
        "diego-ramirez",
        "phone-call",
        -1,
        "10:00",
        "Carlos Mendoza",
        "carlos.mendoza@limatech.example",
        "America/Lima",
        "PE",
        "LimaTech",
        status=BookingStatus.NO_SHOW,
    ),
]


#: What the database holds of the demo bookings' Idempotency-Keys.
DEMO_KEYS = [tokens.key_digest(b.key) for b in BOOKINGS]
#: How long before a past demo meeting it was booked (more than any notice it has).
PAST_BOOKED_AHEAD = dt.timedelta(days=2)


def weekday_after(today: dt.date, steps: int) -> dt.date:
    """The ``steps``-th weekday after ``today`` (before it when negative), skipping holidays."""
    skip = {day for day, _ in HOLIDAYS}
    day, left, step = today, abs(steps), 1 if steps > 0 else -1
    while left:
        day += dt.timedelta(days=step)
        if day.weekday() < 5 and day not in skip:
            left -= 1
    return day


def parse_time(value: str) -> dt.time:
    return dt.time.fromisoformat(value)


class Command(BaseCommand):
    help = "Create (or top up) the demo data and print the admin credentials. Idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--admin-password",
            help="Password for the 'admin' user (default: a fresh random one on every run).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.created: dict[str, int] = {}
        with transaction.atomic():
            sellers = self.seed_sellers()
            team = self.seed_team(sellers)
            pages = self.seed_pages(sellers, team)
            self.seed_holidays(sellers)
            self.seed_routing_rule(pages, sellers)
        self.seed_bookings(sellers, pages["sales-team"])
        password = self.seed_admin(options.get("admin_password"))

        summary = ", ".join(f"{n} {what}" for what, n in self.created.items() if n) or "nothing"
        self.stdout.write(self.style.SUCCESS(f"Demo data ready (created: {summary})."))
        self.stdout.write(
            f"  {len(sellers)} sellers, {len(pages)} pages, "
            f"{MeetingType.objects.filter(page__in=pages.values()).count()} meeting types, "
            f"{Booking.objects.filter(idempotency_key__in=DEMO_KEYS).count()} demo bookings"
        )
        self.stdout.write(f"  Booking page: {settings.BASE_URL}/schedule/sales-team/")
        self.stdout.write(f"  Admin:        {settings.BASE_URL}/admin/")
        self.stdout.write(f"  Admin login:  admin / {password}")

    def count(self, what: str, created: bool) -> None:
        self.created[what] = self.created.get(what, 0) + int(created)

    def seed_sellers(self) -> dict[str, Seller]:
        sellers = {}
        for spec in SELLERS:
            seller, created = Seller.objects.get_or_create(
                slug=spec.slug,
                defaults={
                    "name": spec.name,
                    "email": spec.email,
                    "country": spec.country,
                    "region": spec.region,
                    "languages": spec.languages,
                    "timezone": spec.timezone,
                    "weight": spec.weight,
                },
            )
            self.count("sellers", created)
            sellers[spec.slug] = seller
            for weekday in range(5):
                for start, end in spec.hours:
                    _, created = AvailabilityRule.objects.get_or_create(
                        seller=seller, weekday=weekday, start=parse_time(start), end=parse_time(end)
                    )
                    self.count("availability rules", created)
        return sellers

    def seed_team(self, sellers: dict[str, Seller]) -> Team:
        team, created = Team.objects.get_or_create(
            slug="sales-team", defaults={"name": "Sales team"}
        )
        self.count("teams", created)
        for seller in sellers.values():
            _, created = TeamMembership.objects.get_or_create(team=team, seller=seller)
            self.count("team memberships", created)
        return team

    def seed_pages(self, sellers: dict[str, Seller], team: Team) -> dict[str, SchedulingPage]:
        specs: list[tuple[str, dict[str, Any]]] = [
            (
                "sales-team",
                {
                    "name": "Talk to our sales team",
                    "description": "Pick a time; the next available seller joins you.",
                    "timezone": "America/Lima",
                    "team": team,
                    "routing": RoutingStrategy.ROUND_ROBIN,
                    # static/embed-demo.html served by `python -m http.server 8080`.
                    "embed_origins": ["http://127.0.0.1:8080", "http://localhost:8080"],
                },
            ),
            (
                "sales-by-country",
                {
                    "name": "Sales in your country",
                    "description": "Meet a seller who works in your country and language.",
                    "timezone": "America/Bogota",
                    "team": team,
                    "routing": RoutingStrategy.BY_COUNTRY,
                    "brand_color": "#0f766e",
                },
            ),
        ]
        for seller in sellers.values():
            specs.append(
                (
                    seller.slug,
                    {
                        "name": f"Meet {seller.name}",
                        "description": f"Book time with {seller.name}.",
                        "timezone": seller.timezone,
                        "seller": seller,
                    },
                )
            )
        pages = {}
        for slug, defaults in specs:
            page, created = SchedulingPage.objects.get_or_create(slug=slug, defaults=defaults)
            self.count("pages", created)
            pages[slug] = page
            for spec in MEETING_TYPES:
                fields = {k: v for k, v in spec.items() if k != "slug"}
                _, created = MeetingType.objects.get_or_create(
                    page=page, slug=spec["slug"], defaults=fields
                )
                self.count("meeting types", created)
        return pages

    def seed_holidays(self, sellers: dict[str, Seller]) -> None:
        for day, reason in HOLIDAYS:
            _, created = AvailabilityOverride.objects.get_or_create(
                seller=None, date=day, start=None, end=None, defaults={"reason": reason}
            )
            self.count("overrides", created)
        slug, days = VACATION
        for day in days:
            _, created = AvailabilityOverride.objects.get_or_create(
                seller=sellers[slug],
                date=day,
                start=None,
                end=None,
                defaults={"reason": "Vacation"},
            )
            self.count("overrides", created)

    def seed_routing_rule(
        self, pages: dict[str, SchedulingPage], sellers: dict[str, Seller]
    ) -> None:
        _, created = RoutingRule.objects.get_or_create(
            page=pages["sales-team"],
            name="Enterprise prospects go to Javier",
            defaults={
                "order": 1,
                "conditions": [{"field": "answers.company_size", "op": "eq", "value": "1000+"}],
                "target_seller": sellers["javier-ortega"],
            },
        )
        self.count("routing rules", created)

    def seed_bookings(self, sellers: dict[str, Seller], team_page: SchedulingPage) -> None:
        """Each demo booking through the booking service, with the seller it names; past
        ones booked on an earlier clock, then completed or marked no-show."""
        existing = set(
            Booking.objects.filter(idempotency_key__in=DEMO_KEYS).values_list(
                "idempotency_key", flat=True
            )
        )
        meeting_types = {
            mt.slug: mt for mt in team_page.meeting_types.select_related("page", "page__seller")
        }
        for spec in BOOKINGS:
            if tokens.key_digest(spec.key) in existing:
                continue
            try:
                self.book(spec, sellers[spec.seller], meeting_types[spec.meeting_type])
            except DomainError as exc:
                # e.g. someone booked that seller then since the first run: leave it out.
                self.stderr.write(f"Skipped demo booking {spec.key}: {exc}")
                continue
            self.count("bookings", True)

    def book(self, spec: DemoBooking, seller: Seller, meeting_type: MeetingType) -> Booking:
        zone = zoneinfo.ZoneInfo(seller.timezone)
        now = timezone.now()
        day = weekday_after(now.astimezone(zone).date(), spec.weekdays_from_today)
        start = dt.datetime.combine(day, parse_time(spec.local_time), tzinfo=zone)
        # A past meeting was booked a while before it took place.
        clock = now if start > now else start - PAST_BOOKED_AHEAD
        booking = services.create_booking(
            meeting_type=meeting_type,
            start=start,
            timezone=spec.prospect_timezone,
            name=spec.name,
            email=spec.email,
            company=spec.company,
            country=spec.country,
            answers=spec.answers or {},
            idempotency_key=spec.key,
            seller=seller,
            now=clock,
        ).booking
        if spec.status == BookingStatus.COMPLETED:
            booking = services.complete_booking(booking=booking, now=now)
        elif spec.status == BookingStatus.NO_SHOW:
            booking = services.mark_no_show(booking=booking, now=now)
        return booking

    def seed_admin(self, password: str | None) -> str:
        password = password or secrets.token_urlsafe(12)
        user, created = get_user_model().objects.get_or_create(
            username="admin", defaults={"email": "admin@meetroute.example"}
        )
        self.count("admin users", created)
        user.is_staff = user.is_superuser = user.is_active = True
        user.set_password(password)
        user.save()
        return password
