from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from bookings import pipedrive_views
from bookings.views import embed_script, javascript_catalog
from integrations.admin_views import provider_check_view
from scheduling.admin_views import explain_view
from scheduling.api.urls_public import fallback_urlpatterns as public_fallback
from scheduling.views import HomeView
from waitlist.api.urls_monitoring import cron_urlpatterns
from waitlist.dashboard import dashboard_view

urlpatterns = [
    path("api/v1/public/", include("scheduling.api.urls_public")),
    path("api/v1/public/", include("bookings.api.urls_public")),
    path("api/v1/public/", include("waitlist.api.urls_public")),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its script as a file: Swagger UI works under the CSP.
    path(
        "api/v1/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"
    ),
    path("api/v1/", include("scheduling.api.urls")),
    path("api/v1/", include("bookings.api.urls")),
    path("api/v1/", include("webhooks.api.urls")),
    path("api/v1/", include("config.backoffice.urls")),
    path("api/v1/", include("waitlist.api.urls")),
    path("api/v1/", include("waitlist.api.urls_monitoring")),
    path("api/cron/", include(cron_urlpatterns)),
    path(
        "admin/scheduling/explain/",
        admin.site.admin_view(explain_view),
        name="scheduling_explain",
    ),
    path(
        "admin/providers/check/",
        admin.site.admin_view(provider_check_view),
        name="provider_check",
    ),
    path(
        "admin/waitlist/dashboard/",
        admin.site.admin_view(dashboard_view),
        name="waitlist_dashboard",
    ),
    path("admin/", admin.site.urls),
    path("integrations/google/", include("sellers.calendar.urls")),
    path("integrations/outlook/", include("sellers.calendar.outlook_urls")),
    path("integrations/pipedrive/webhook/", pipedrive_views.webhook, name="pipedrive_webhook"),
    path("integrations/twilio/", include("bookings.reminders.urls")),
    path("schedule/", include("bookings.urls")),
    path("embed.js", embed_script, name="embed-script"),
    path("jsi18n/<str:lang>/", javascript_catalog, name="javascript-catalog"),
    path("waitlist/", include("waitlist.urls")),
    path("", HomeView.as_view(), name="home"),
    # Keep last: the contract's 404 envelope for any other path under the public API.
    path("api/v1/public/", include(public_fallback)),
]
