"""Configuration API URLs (authenticated), included under /api/v1/."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from scheduling.api.views import (
    MeetingTypeViewSet,
    OverrideViewSet,
    PageViewSet,
    SellerAvailabilityApi,
)
from sellers.api.views import SellerViewSet, TeamViewSet

router = DefaultRouter()
router.register("sellers", SellerViewSet, basename="seller")
router.register("overrides", OverrideViewSet, basename="override")
router.register("teams", TeamViewSet, basename="team")
router.register("pages", PageViewSet, basename="page")
router.register("meeting-types", MeetingTypeViewSet, basename="meeting-type")

urlpatterns = [
    path(
        "sellers/<uuid:pk>/availability/",
        SellerAvailabilityApi.as_view(),
        name="seller-availability",
    ),
    *router.urls,
]
