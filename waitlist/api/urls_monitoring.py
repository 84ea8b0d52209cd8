"""Waitlist monitoring endpoints: the cron tick (mounted at /api/cron/) and the
authenticated calendar configuration (mounted under /api/v1/; the slots list is in urls)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from waitlist.api.calendar import CalendarConfigViewSet
from waitlist.api.cron import WaitlistCheckCronApi

router = SimpleRouter()
router.register("waitlist/calendar-configs", CalendarConfigViewSet, basename="waitlist-config")

cron_urlpatterns = [
    path("waitlist-check", WaitlistCheckCronApi.as_view(), name="cron-waitlist-check"),
]

urlpatterns = router.urls
