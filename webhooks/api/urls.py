"""Webhook API URLs (authenticated), included under /api/v1/."""

from rest_framework.routers import SimpleRouter

from webhooks.api.views import WebhookSubscriptionViewSet

router = SimpleRouter()
router.register("webhooks", WebhookSubscriptionViewSet, basename="webhook")

urlpatterns = router.urls
