"""Public booking API, included under /api/v1/public/ (before the 404 fallback)."""

from django.urls import path

from bookings.api.public import (
    BookingCancelApi,
    BookingConfirmApi,
    BookingCreateApi,
    BookingManageApi,
    BookingRescheduleApi,
    BookingRescheduleSlotsApi,
)

urlpatterns = [
    path(
        "pages/<slug:page>/<slug:meeting_type>/bookings/",
        BookingCreateApi.as_view(),
        name="public-booking-create",
    ),
    path("bookings/<str:token>/", BookingManageApi.as_view(), name="public-booking"),
    path(
        "bookings/<str:token>/slots/",
        BookingRescheduleSlotsApi.as_view(),
        name="public-booking-slots",
    ),
    path(
        "bookings/<str:token>/confirm/", BookingConfirmApi.as_view(), name="public-booking-confirm"
    ),
    path("bookings/<str:token>/cancel/", BookingCancelApi.as_view(), name="public-booking-cancel"),
    path(
        "bookings/<str:token>/reschedule/",
        BookingRescheduleApi.as_view(),
        name="public-booking-reschedule",
    ),
]
