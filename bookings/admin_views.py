"""The back office's booking writes: "Add booking" and the staff actions (cancel,
reschedule, complete, no-show), each per booking and in bulk. Thin: the booking services
decide, write the BookingEvent with the staff user as actor and queue the outbox."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from bookings import services
from bookings.admin_forms import BookingAddForm, CancelForm, RescheduleForm, StaffActionForm
from bookings.models import Booking
from bookings.services.common import Actor
from config.errors import DomainError, Invalid

#: The action template, shared by the per-booking pages and the bulk actions.
ACTION_TEMPLATE = "admin/bookings/booking/action.html"
#: Where a service's field errors show on the add form (the others share their name).
ADD_FORM_FIELD = {"start": "time"}


def add_booking_view(model_admin: admin.ModelAdmin, request: HttpRequest) -> HttpResponse:
    """Book for a prospect through ``create_booking`` (source ``admin``): routing, the
    confirmation email with the manage link and every outbox job, as on the page."""
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    form = BookingAddForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            result = services.create_booking(
                **form.booking_fields(),
                source=Booking.Source.ADMIN,
                actor=request.user,
            )
        except DomainError as exc:
            _show_error(form, exc)
        else:
            booking = result.booking
            model_admin.log_addition(request, booking, [{"added": {}}])
            model_admin.message_user(
                request,
                f"Booked {booking}; the confirmation with the manage link is on its way.",
                messages.SUCCESS,
            )
            return HttpResponseRedirect(_change_url(booking))
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": "Add booking",
        "form": form,
        "media": model_admin.media + form.media,
    }
    return TemplateResponse(request, "admin/bookings/booking/add.html", context)


def _show_error(form: BookingAddForm, exc: DomainError) -> None:
    placed = False
    for name, problems in exc.fields.items():
        field = ADD_FORM_FIELD.get(name, name)
        if field in form.fields:
            for problem in problems:
                form.add_error(field, problem)
            placed = True
    hint = ""
    if isinstance(exc, Invalid) and "start" in exc.fields:
        hint = " To book it anyway, tick “Book outside the offered hours”."
    if hint or not placed or not isinstance(exc, Invalid):  # e.g. "just taken": say it first
        form.add_error(None, exc.message + hint)


@dataclass(frozen=True)
class StaffAction:
    """One staff action: its form, the service call, and how it reads in messages."""

    name: str
    label: str
    done: str
    form: type[StaffActionForm]
    run: Callable[[Booking, dict[str, Any], Actor], Booking]
    one_at_a_time: bool = False


ACTIONS = {
    action.name: action
    for action in (
        StaffAction(
            "cancel",
            "Cancel…",
            "cancelled",
            CancelForm,
            lambda b, data, actor: services.cancel_booking(
                booking=b, reason=data["reason"], actor=actor
            ),
        ),
        StaffAction(
            "reschedule",
            "Reschedule…",
            "rescheduled",
            RescheduleForm,
            lambda b, data, actor: services.reschedule_booking(
                booking=b, start=data["start"], actor=actor
            ),
            one_at_a_time=True,
        ),
        StaffAction(
            "complete",
            "Mark completed",
            "marked completed",
            StaffActionForm,
            lambda b, data, actor: services.complete_booking(booking=b, actor=actor),
        ),
        StaffAction(
            "no_show",
            "Mark no-show",
            "marked no-show",
            StaffActionForm,
            lambda b, data, actor: services.mark_no_show(booking=b, actor=actor),
        ),
    )
}


def run_action(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    action: StaffAction,
    bookings: list[Booking],
    *,
    bulk: bool,
) -> TemplateResponse | None:
    """Apply ``action`` to each booking once its form is filled in (the confirmation page
    otherwise); None when done. A booking a service refuses is reported, the rest go on."""
    if not model_admin.has_change_permission(request):
        raise PermissionDenied
    submitted = request.method == "POST" and (
        "apply" in request.POST or not action.form.base_fields
    )
    form = _action_form(request, action, bookings, submitted)
    if form.is_valid():
        failed: list[tuple[Booking, str]] = []
        for booking in bookings:
            try:
                action.run(booking, form.cleaned_data, request.user)
            except DomainError as exc:
                failed.append((booking, exc.message))
        if failed and not bulk:  # say why on the same page, the input kept
            form.add_error(None, failed[0][1])
        else:
            _report(model_admin, request, action, len(bookings) - len(failed), failed)
            return None
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": f"{action.label.rstrip('…')} {_count(len(bookings))}",
        "action": action,
        "bookings": bookings,
        "form": form,
        "bulk": bulk,
        "media": model_admin.media + form.media,
    }
    return TemplateResponse(request, ACTION_TEMPLATE, context)


def _action_form(
    request: HttpRequest, action: StaffAction, bookings: list[Booking], submitted: bool
) -> StaffActionForm:
    data = request.POST if submitted else None
    if action.form is RescheduleForm:
        first = request.GET.get("from", "")
        first_day = dt.date.fromisoformat(first) if _is_date(first) else None
        return RescheduleForm(data, bookings=bookings, first_day=first_day)
    return action.form(data, bookings=bookings)


def _report(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    action: StaffAction,
    done: int,
    failed: list[tuple[Booking, str]],
) -> None:
    if done:
        model_admin.message_user(request, f"{_count(done)} {action.done}.", messages.SUCCESS)
    for booking, problem in failed:
        model_admin.message_user(
            request, f"Not {action.done}: {booking}: {problem}", messages.WARNING
        )


def booking_action_view(
    model_admin: admin.ModelAdmin, request: HttpRequest, object_id: str, name: str
) -> HttpResponse:
    """One staff action on one booking, from the buttons of its page."""
    booking = model_admin.get_object(request, object_id)
    if booking is None:
        return HttpResponseRedirect(reverse("admin:bookings_booking_changelist"))
    response = run_action(model_admin, request, ACTIONS[name], [booking], bulk=False)
    return response or HttpResponseRedirect(_change_url(booking))


def bulk_action(name: str) -> Callable[..., TemplateResponse | HttpResponse | None]:
    """The changelist action for ``ACTIONS[name]`` on the selected bookings."""
    action = ACTIONS[name]

    def apply(
        model_admin: admin.ModelAdmin, request: HttpRequest, queryset: Any
    ) -> TemplateResponse | HttpResponse | None:
        bookings = list(queryset.select_related("seller", "meeting_type", "meeting_type__page"))
        if action.one_at_a_time:
            if len(bookings) != 1:
                model_admin.message_user(
                    request, f"{action.label} works on one booking at a time.", messages.WARNING
                )
                return None
            url = reverse(f"admin:bookings_booking_{name}", args=[bookings[0].pk])
            return HttpResponseRedirect(url)
        return run_action(model_admin, request, action, bookings, bulk=True)

    apply.__name__ = name
    return admin.action(description=action.label, permissions=["change"])(apply)


def _change_url(booking: Booking) -> str:
    return reverse("admin:bookings_booking_change", args=[booking.pk])


def _count(n: int) -> str:
    return f"{n} booking{'' if n == 1 else 's'}"


def _is_date(value: str) -> bool:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True
