"""The ``.ics`` invite of a booking (RFC 5545 / iTIP RFC 5546), built with icalendar.

One stable UID per booking (``<booking id>@<host of BASE_URL>``) and the booking's
``sequence`` let mail clients update or remove the same event on reschedule and cancel
instead of adding a new one. The seller is the ORGANIZER, the prospect an ATTENDEE asked to
reply, so clients show accept / decline buttons.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress, vText

from bookings.models import Booking

REQUEST = "REQUEST"
CANCEL = "CANCEL"
PUBLISH = "PUBLISH"  # a plain download (add-to-calendar), not an invitation
PRODID = "-//Meetroute//Bookings//EN"


def uid_for(booking: Booking) -> str:
    host = urlsplit(settings.BASE_URL).hostname or "localhost"
    return f"{booking.pk}@{host}"


def mimetype(method: str) -> str:
    return f"text/calendar; method={method}; charset=utf-8"


def build_invite(
    booking: Booking, *, method: str = REQUEST, description: str = "", location: str = ""
) -> bytes:
    """The VCALENDAR for ``booking`` with ``method`` REQUEST (new or changed), CANCEL, or
    PUBLISH (a download: same UID, so importing it after the invite updates one event)."""
    if method not in (REQUEST, CANCEL, PUBLISH):
        raise ValueError(f"unsupported iTIP method {method!r}")
    seller = booking.seller
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)

    event = Event()
    event.add("uid", uid_for(booking))
    event.add("sequence", booking.sequence)
    event.add("dtstamp", timezone.now().astimezone(dt.UTC).replace(microsecond=0))
    event.add("dtstart", booking.start.astimezone(dt.UTC))
    event.add("dtend", booking.end.astimezone(dt.UTC))
    names = {"meeting": booking.meeting_type.name, "prospect": booking.name, "seller": seller.name}
    event.add("summary", _("%(meeting)s: %(prospect)s and %(seller)s") % names)  # active language
    if description:
        event.add("description", description)
    if location:
        event.add("location", location)
    if booking.meeting_url:
        event.add("url", booking.meeting_url)

    organizer = vCalAddress(f"mailto:{seller.email}")
    organizer.params["cn"] = vText(seller.name)
    event.add("organizer", organizer)

    if method != PUBLISH:
        attendee = vCalAddress(f"mailto:{booking.email}")
        attendee.params["cn"] = vText(booking.name)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["partstat"] = vText("NEEDS-ACTION")
        attendee.params["rsvp"] = vText("TRUE")
        event.add("attendee", attendee)

    if method == CANCEL or booking.status == "cancelled":
        event.add("status", "CANCELLED")
    else:
        event.add("status", "CONFIRMED")
        event.add("transp", "OPAQUE")
    cal.add_component(event)
    return cal.to_ical()
