"""Authenticated waitlist API, included under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from waitlist.api.views import CallWebhookApi, EntryViewSet, SlotViewSet, TriggerApi

router = SimpleRouter()
router.register("waitlist/entries", EntryViewSet, basename="waitlist-entry")
router.register("waitlist/slots", SlotViewSet, basename="waitlist-slot")

urlpatterns = [
    path("waitlist/n8n/trigger/", TriggerApi.as_view(), name="waitlist-n8n-trigger"),
    path("waitlist/n8n/calls/", CallWebhookApi.as_view(), name="waitlist-n8n-calls"),
    *router.urls,
]
