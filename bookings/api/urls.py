"""Authenticated booking API, included under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from bookings.api.views import BookingViewSet, SellerMetricsApi

router = SimpleRouter()
router.register("bookings", BookingViewSet, basename="booking")

urlpatterns = [
    path("metrics/sellers/", SellerMetricsApi.as_view(), name="metrics-sellers"),
    *router.urls,
]
