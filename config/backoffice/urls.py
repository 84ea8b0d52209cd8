"""Back-office API, included under /api/v1/."""

from django.urls import path

from config.backoffice.api import MetricsExportApi, MetricsSummaryApi, RoutingWhatIfApi

urlpatterns = [
    path("metrics/summary/", MetricsSummaryApi.as_view(), name="metrics-summary"),
    path("metrics/export.csv", MetricsExportApi.as_view(), name="metrics-export"),
    path("routing/what-if/", RoutingWhatIfApi.as_view(), name="routing-what-if"),
]
