"""The public edges of reminders: Twilio's webhooks, the short manage link, the seller's
outcome links. Thin: they check the request and call a service."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from bookings.models import Booking
from bookings.reminders import inbound, links
from bookings.services import NotActive, complete_booking, mark_no_show
from integrations.sms.twilio import twiml_reply, valid_signature


def _signed_by_twilio(request: HttpRequest) -> bool:
    # Twilio signs the URL it called: ours as configured, not as a proxy rewrote it.
    url = settings.BASE_URL + request.get_full_path()
    signature = request.headers.get("X-Twilio-Signature", "")
    return valid_signature(url, request.POST.dict(), signature)


@csrf_exempt  # Twilio calls it; the request signature is the check
@require_POST
def sms_inbound(request: HttpRequest) -> HttpResponse:
    """`/integrations/twilio/sms/`: a prospect's text; answered with TwiML."""
    if not _signed_by_twilio(request):
        return HttpResponse(status=403)
    reply = inbound.receive(
        number=request.POST.get("From", ""),
        body=request.POST.get("Body", ""),
        sid=request.POST.get("MessageSid", ""),
    )
    return HttpResponse(twiml_reply(reply), content_type="text/xml")


@csrf_exempt  # Twilio calls it; the request signature is the check
@require_POST
def sms_status(request: HttpRequest) -> HttpResponse:
    """`/integrations/twilio/sms/status/`: a delivery status callback."""
    if not _signed_by_twilio(request):
        return HttpResponse(status=403)
    inbound.record_status(
        sid=request.POST.get("MessageSid", ""), status=request.POST.get("MessageStatus", "")
    )
    return HttpResponse(status=204)


@never_cache
def short_link(request: HttpRequest, code: str) -> HttpResponse:
    """`/schedule/s/<code>/`: the short link in texts, to the booking's manage page."""
    url = links.manage_url_for_code(code)
    if url is None:
        raise Http404
    return HttpResponseRedirect(url)


@never_cache
@require_http_methods(["GET", "POST"])
def outcome(request: HttpRequest, token: str) -> HttpResponse:
    """`/schedule/outcome/<token>/`: the seller's signed link. GET asks (mail scanners
    follow links), the button POSTs and records it through the booking service."""
    read = links.read_outcome(token)
    booking = None
    if read is not None:
        booking = Booking.objects.select_related("meeting_type").filter(pk=read[0]).first()
    if read is None or booking is None:
        return render(request, "bookings/reminders/outcome.html", {"invalid": True}, status=404)
    context = {"booking": booking, "outcome": read[1], "done": False, "error": ""}
    if request.method == "POST":
        service = complete_booking if read[1] == "completed" else mark_no_show
        try:
            service(booking=booking, actor=None)
            context["done"] = True
        except NotActive as exc:
            context["error"] = str(exc)
    return render(request, "bookings/reminders/outcome.html", context)
