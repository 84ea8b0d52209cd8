"""Public booking pages under ``/schedule/``. ``manage/``, ``s/`` (short manage links in
texts) and ``outcome/`` come first: they are not page slugs."""

from django.urls import path

from bookings import views
from bookings.reminders import views as reminder_views

app_name = "bookings"

urlpatterns = [
    path("manage/<str:token>/", views.manage_view, name="manage"),
    path("manage/<str:token>/invite.ics", views.ics_view, name="ics"),
    path("s/<str:code>/", reminder_views.short_link, name="short"),
    path("outcome/<str:token>/", reminder_views.outcome, name="outcome"),
    path("<slug:page>/", views.page_view, name="page"),
    path("<slug:page>/<slug:meeting_type>/", views.meeting_type_view, name="meeting_type"),
    path(
        "<slug:page>/<slug:meeting_type>/book/",
        views.PageBookingCreateApi.as_view(),
        name="book",
    ),
]
