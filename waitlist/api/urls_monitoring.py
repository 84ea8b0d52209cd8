"""Waitlist monitoring endpoints: the cron tick (mounted at /api/cron/) and the
authenticated calendar configuration and slots (mounted under /api/v1/)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from waitlist.api.calendar import CalendarConfigViewSet
from waitlist.api.cron import WaitlistCheckCronApi
from waitlist.api.slots import WaitlistSlotViewSet

router = SimpleRouter()
router.register("waitlist/calendar-configs", CalendarConfigViewSet, basename="waitlist-config")
router.register("waitlist/slots", WaitlistSlotViewSet, basename="waitlist-slot")

cron_urlpatterns = [
    path("waitlist-check", WaitlistCheckCronApi.as_view(), name="cron-waitlist-check"),
]

urlpatterns = router.urls
