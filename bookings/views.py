"""Public booking pages: server-rendered shells that talk to the public JSON API in the browser.

The pages never write anything themselves. Cancelling and rescheduling go through
``/api/v1/public/…`` from ``static/js/booking.js`` (session-less, so no CSRF token is
needed); booking goes through `PageBookingCreateApi`, the public API's create view under
the page's own URL, so page bookings are told apart (source ``web``) without a field the
API contract would have to carry. These views only read, render, and build the calendar
file.
"""

import datetime as dt
import re
import zoneinfo
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.i18n import JavaScriptCatalog
from django_countries import countries
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.request import Request
from rest_framework.response import Response

from bookings import ics, language, tokens
from bookings.api.public import BookingCreateApi
from bookings.models import Booking, BookingStatus
from bookings.selectors import booking_for_token
from bookings.services.common import TokenExpired
from config.errors import Invalid, NotFound
from scheduling.models import LocationType, MeetingType, SchedulingPage

DEFAULT_BRAND = "#2563eb"
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
# Location types whose details are meant for the prospect (an address, a link).
SHOWN_DETAILS = {LocationType.IN_PERSON, LocationType.CUSTOM}


#: The booking form's hidden field (templates/bookings/meeting_type.html, static/js/booking.js).
HONEYPOT = "website"


@extend_schema_view(post=extend_schema(exclude=True))  # the page's, not the API's
class PageBookingCreateApi(BookingCreateApi):
    """`POST /schedule/{page}/{meeting_type}/book/`: what the booking page's form posts,
    the same request, answers and guarantees as the public API's create — plus a honeypot:
    the form's hidden ``website`` field, which people never see and form-filling bots do."""

    source = Booking.Source.WEB

    def language(self, request: Request) -> str:
        """The language the page was shown in (its ``bookUrl`` carries ``?lang``)."""
        return language.supported(request.query_params.get(language.PARAM)) or ""

    def post(self, request: Request, page: str, meeting_type: str) -> Response:
        if isinstance(request.data, dict) and request.data.get(HONEYPOT):
            raise Invalid("This booking could not be made.", {})
        return super().post(request, page, meeting_type)


def not_found(request: HttpRequest, what: str) -> HttpResponse:
    context = {"what": what, "languages": switcher(request, {})}
    return render(request, "bookings/not_found.html", context, status=404)


def brand_color(page: SchedulingPage) -> str:
    """The page's colour when it is a plain hex colour (it goes into a style attribute)."""
    return page.brand_color if HEX_COLOUR.match(page.brand_color or "") else DEFAULT_BRAND


def location_label(meeting_type: MeetingType) -> str:
    label = str(LocationType(meeting_type.location_type).label)
    if meeting_type.location_type in SHOWN_DETAILS and meeting_type.location_details:
        return f"{label} · {meeting_type.location_details}"
    return label


def active_page(slug: str) -> SchedulingPage | None:
    return (
        SchedulingPage.objects.select_related("seller", "team")
        .filter(slug=slug, is_active=True)
        .first()
    )


def embed_params(request: HttpRequest, page: SchedulingPage) -> dict[str, str]:
    """``?embed=1`` (inside the embed widget's iframe) and the framing site's origin, kept
    only when the page lists it: it is where the page posts its ``meetroute:`` messages."""
    if request.GET.get("embed") != "1":
        return {}
    parent = request.GET.get("parent", "")
    params = {"embed": "1", "parent": parent if parent in page.embed_origins else ""}
    color = request.GET.get("color", "")
    return params | ({"color": color} if HEX_COLOUR.match(color) else {})


def switcher(request: HttpRequest, keep: dict[str, str]) -> list[dict[str, object]]:
    """The language switcher's links: this page in each language, embed state kept."""
    current = translation.get_language()
    return [
        {
            "code": code,
            "name": name,
            "url": "?" + urlencode(keep | {language.PARAM: code}),
            "current": code == current,
        }
        for code, name in settings.LANGUAGES
    ]


def page_context(request: HttpRequest, page: SchedulingPage) -> dict[str, object]:
    """What every page of ``page`` shows; switches the request to the visitor's language."""
    lang = language.use_page_language(request, page.default_language)
    embed = embed_params(request, page)
    # Internal links carry the embed state, and an explicit language choice.
    keep = embed | ({language.PARAM: lang} if language.PARAM in request.GET else {})
    return {
        "page": page,
        "brand_color": embed.get("color") or brand_color(page),
        "host_name": page.seller.name if page.seller else "",
        "embed": embed,
        "keep": "?" + urlencode(keep) if keep else "",
        "languages": switcher(request, embed),
    }


def render_page(
    request: HttpRequest, page: SchedulingPage, template: str, context: dict[str, object]
) -> HttpResponse:
    """Render a page of ``page``: framed only by the page's embed origins."""
    return language.frame_for(render(request, template, context), page.embed_origins)


@language.public_page
def page_view(request: HttpRequest, page: str) -> HttpResponse:
    """`/schedule/{page}/`: the page's active meeting types."""
    scheduling_page = active_page(page)
    if scheduling_page is None:
        return not_found(request, _("booking page"))
    context = page_context(request, scheduling_page)
    context["meeting_types"] = [
        {"obj": mt, "location": location_label(mt)}
        for mt in scheduling_page.meeting_types.filter(is_active=True).order_by("order", "name")
    ]
    return render_page(request, scheduling_page, "bookings/page.html", context)


@language.public_page
def meeting_type_view(request: HttpRequest, page: str, meeting_type: str) -> HttpResponse:
    """`/schedule/{page}/{meeting_type}/`: calendar, slots and the booking form."""
    scheduling_page = active_page(page)
    if scheduling_page is None:
        return not_found(request, _("booking page"))
    mt = scheduling_page.meeting_types.filter(slug=meeting_type, is_active=True).first()
    if mt is None:
        return not_found(request, _("meeting type"))
    context = page_context(request, scheduling_page)
    api_base = f"/api/v1/public/pages/{scheduling_page.slug}/{mt.slug}/"
    book_url = reverse(
        "bookings:book", kwargs={"page": scheduling_page.slug, "meeting_type": mt.slug}
    )
    config = {
        "mode": "book",
        "slotsUrl": f"{api_base}slots/",
        # The booking remembers the language it was made in, for every later message.
        "bookUrl": f"{book_url}?{language.PARAM}={translation.get_language()}",
        "manageUrl": reverse("bookings:manage", kwargs={"token": "TOKEN"}) + str(context["keep"]),
        "pageTimezone": str(scheduling_page.timezone),
        "duration": mt.duration,
        "maxDaysAhead": mt.max_days_ahead,
    }
    context |= {
        "meeting_type": mt,
        "location": location_label(mt),
        "questions": mt.questions or [],
        "countries": list(countries),
        "config": config,
    }
    return render_page(request, scheduling_page, "bookings/meeting_type.html", context)


def lookup(request: HttpRequest, token: str) -> Booking | HttpResponse:
    """The booking of a manage token, or the page to show instead: 404 unknown, 410 expired."""
    try:
        return booking_for_token(token)
    except NotFound:
        return not_found(request, _("booking"))
    except TokenExpired:
        # Only to brand the page and offer a new booking on the same page.
        expired = (
            Booking.objects.select_related("meeting_type__page")
            .filter(manage_token_hash=tokens.hash_token(token))
            .first()
        )
        context = (
            page_context(request, expired.meeting_type.page)
            if expired
            else {"languages": switcher(request, {})}
        )
        return render(request, "bookings/expired.html", context, status=410)


def meeting_location(booking: Booking) -> dict[str, str]:
    label = str(LocationType(booking.location_type).label)
    if booking.meeting_url:
        return {"label": label, "value": booking.meeting_url, "url": booking.meeting_url}
    value = booking.location
    if not value and booking.location_type in SHOWN_DETAILS:
        value = booking.meeting_type.location_details
    if booking.location_type == LocationType.GOOGLE_MEET and not value:
        value = _("The Google Meet link will be in your calendar invitation.")
    return {"label": label, "value": value, "url": value if value.startswith("https://") else ""}


def event_title(booking: Booking) -> str:
    return _("%(meeting)s with %(seller)s") % {
        "meeting": booking.meeting_type.name,
        "seller": booking.seller.name,
    }


def event_details(booking: Booking, manage_url: str) -> str:
    lines = []
    if booking.meeting_type.description:
        lines.append(booking.meeting_type.description)
    if booking.meeting_url:
        lines.append(_("Join: %(url)s") % {"url": booking.meeting_url})
    lines.append(_("Reschedule or cancel: %(url)s") % {"url": manage_url})
    return "\n\n".join(lines)


def google_calendar_url(booking: Booking, manage_url: str) -> str:
    def stamp(value: dt.datetime) -> str:
        return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")

    query = {
        "action": "TEMPLATE",
        "text": event_title(booking),
        "dates": f"{stamp(booking.start)}/{stamp(booking.end)}",
        "details": event_details(booking, manage_url),
        "location": meeting_location(booking)["value"],
    }
    return "https://calendar.google.com/calendar/render?" + urlencode(query)


@never_cache  # the URL is a bearer token: no shared or browser cache may keep the page
@language.public_page
def manage_view(request: HttpRequest, token: str) -> HttpResponse:
    """`/schedule/manage/{token}/`: confirmation right after booking, and the manage page."""
    booking = lookup(request, token)
    if isinstance(booking, HttpResponse):
        return booking
    page = booking.meeting_type.page
    context = page_context(request, page)
    zone = zoneinfo.ZoneInfo(str(booking.timezone))
    manage_url = request.build_absolute_uri()
    manage_url = manage_url.split("?", 1)[0]
    now = timezone.now()
    active = booking.status == BookingStatus.CONFIRMED and booking.start > now
    # Awaiting its email confirmation (BOOKING_EMAIL_CONFIRMATION): this page confirms it.
    lapsed = booking.confirmation_lapsed(now)
    pending = booking.status == BookingStatus.PENDING and not lapsed
    api_base = f"/api/v1/public/bookings/{token}/"
    context |= {
        "booking": booking,
        "prospect_zone": zone,
        "location": meeting_location(booking),
        "active": active,
        "pending": pending,
        "lapsed": lapsed,
        "cancelled": booking.status == BookingStatus.CANCELLED,
        "just_booked": "booked" in request.GET,
        "just_rescheduled": "rescheduled" in request.GET,
        "google_url": google_calendar_url(booking, manage_url),
        "ics_url": reverse("bookings:ics", kwargs={"token": token}),
        "config": {
            "mode": "confirm" if pending else "manage",
            "confirmUrl": f"{api_base}confirm/",
            "slotsUrl": f"{api_base}slots/",
            "rescheduleUrl": f"{api_base}reschedule/",
            "cancelUrl": f"{api_base}cancel/",
            "pageTimezone": str(booking.timezone),
            "duration": booking.meeting_type.duration,
            "maxDaysAhead": booking.meeting_type.max_days_ahead,
        },
    }
    return render_page(request, page, "bookings/manage.html", context)


def booking_ics(booking: Booking, manage_url: str) -> bytes:
    """The booking as a calendar download, with the same UID as the emailed invite."""
    return ics.build_invite(
        booking,
        method=ics.PUBLISH,
        description=event_details(booking, manage_url),
        location=meeting_location(booking)["value"],
    )


@never_cache
def ics_view(request: HttpRequest, token: str) -> HttpResponse:
    """`/schedule/manage/{token}/invite.ics`: the booking as a calendar file."""
    booking = lookup(request, token)
    if isinstance(booking, HttpResponse):
        return booking
    manage_url = request.build_absolute_uri(reverse("bookings:manage", kwargs={"token": token}))
    with translation.override(booking.language):  # as the emailed invite
        content = booking_ics(booking, manage_url)
    response = HttpResponse(content, content_type="text/calendar")
    response["Content-Disposition"] = 'attachment; filename="meeting.ics"'
    response["Cache-Control"] = "no-store"
    return response


JAVASCRIPT_CATALOG = JavaScriptCatalog.as_view()


@cache_control(public=True, max_age=3600)
def javascript_catalog(request: HttpRequest, lang: str) -> HttpResponseBase:
    """`/jsi18n/{lang}/`: booking.js's strings in ``lang``. The language is in the path, not
    the request's negotiation, so the page and its script always agree and caches can keep
    one copy per language."""
    code = language.supported(lang)
    if code is None or code != lang:
        return not_found(request, _("page"))
    with translation.override(code):
        return JAVASCRIPT_CATALOG(request)


@cache_control(public=True, max_age=300)
def embed_script(request: HttpRequest) -> HttpResponse:
    """`/embed.js`: the embed widget (any site may load it; pages decide who frames them)."""
    return render(request, "bookings/embed.js", content_type="text/javascript")
