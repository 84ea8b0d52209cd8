"""Public booking pages under ``/schedule/``. ``manage/`` comes first: it is not a page slug."""

from django.urls import path

from bookings import views

app_name = "bookings"

urlpatterns = [
    path("manage/<str:token>/", views.manage_view, name="manage"),
    path("manage/<str:token>/invite.ics", views.ics_view, name="ics"),
    path("<slug:page>/", views.page_view, name="page"),
    path("<slug:page>/<slug:meeting_type>/", views.meeting_type_view, name="meeting_type"),
    path(
        "<slug:page>/<slug:meeting_type>/book/",
        views.PageBookingCreateApi.as_view(),
        name="book",
    ),
]
