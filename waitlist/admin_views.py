"""The back office's way onto the waitlist: staff add a person through ``join_waitlist``
(source ``manual``), the same service as the page, the API and the voice agent."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminDateWidget, AdminTimeWidget
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from config.errors import DomainError
from scheduling.models import MeetingType
from waitlist.models import WaitlistEntry
from waitlist.services.join import join_waitlist


class JoinForm(forms.Form):
    meeting_type = forms.ModelChoiceField(
        queryset=MeetingType.objects.select_related("page").order_by("page__name", "name")
    )
    date = forms.DateField(widget=AdminDateWidget)
    time = forms.TimeField(widget=AdminTimeWidget, help_text=_("In the page's timezone."))
    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(max_length=100, required=False)
    phone = forms.CharField(max_length=40, help_text=_("With its country code."))
    email = forms.EmailField(required=False)
    party_size = forms.IntegerField(min_value=1, initial=1)

    def start(self) -> dt.datetime:
        zone = ZoneInfo(self.cleaned_data["meeting_type"].page.timezone)
        return dt.datetime.combine(self.cleaned_data["date"], self.cleaned_data["time"], zone)


def add_entry_view(model_admin: admin.ModelAdmin, request: HttpRequest) -> HttpResponse:
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    form = JoinForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        data = form.cleaned_data
        meeting_type = data["meeting_type"]
        try:
            result = join_waitlist(
                meeting_type=meeting_type,
                start=form.start(),
                timezone_name=meeting_type.page.timezone,
                first_name=data["first_name"],
                last_name=data["last_name"],
                phone=data["phone"],
                email=data["email"],
                party_size=data["party_size"],
                source=WaitlistEntry.Source.MANUAL,
            )
        except DomainError as exc:
            for name, problems in exc.fields.items():
                for problem in problems:
                    form.add_error(name if name in form.fields else None, problem)
            if not exc.fields:
                form.add_error(None, exc.message)
        else:
            model_admin.log_addition(request, result.entry, [{"added": {}}])
            model_admin.message_user(
                request, _("On the waitlist; the link is on its way by SMS."), messages.SUCCESS
            )
            url = reverse("admin:waitlist_waitlistentry_change", args=[result.entry.pk])
            return HttpResponseRedirect(url)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": _("Add to the waitlist"),
        "form": form,
        "media": model_admin.media + form.media,
    }
    return TemplateResponse(request, "admin/waitlist/waitlistentry/add.html", context)
