"""Back-office API: ``metrics/summary/``, ``metrics/export.csv``, ``routing/what-if/``."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.http import StreamingHttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings import analytics
from bookings.models import Booking
from config.backoffice.serializers import SummaryQuerySerializer, WhatIfSerializer
from config.backoffice.whatif import what_if
from routing.models import RoutingDecision
from sellers.api.permissions import seller_of, staff_can
from sellers.models import SellerMetric


def scope_for(request: Request, model: type[Any]) -> analytics.Scope:
    """The query's scope: as asked for staff holding the view permission on ``model``, the
    signed-in seller's own figures for a seller; anyone else is refused."""
    query = SummaryQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    if staff_can(request.user, "view", model):
        return query.scope()
    seller = seller_of(request.user)
    if seller is None:
        raise PermissionDenied()
    return query.scope(only_seller=seller.pk)


class MetricsSummaryApi(APIView):
    """Counters, rates, lead times, weekday × hour map, demand by country and share of
    bookings vs routing weight over [start, end]; filters ``page``, ``team``, ``seller``."""

    @extend_schema(parameters=[SummaryQuerySerializer], responses=OpenApiResponse())
    def get(self, request: Request) -> Response:
        return Response(analytics.summary(scope_for(request, SellerMetric)))


class _Echo:
    """A file-like object whose ``write`` hands the line back (csv.writer → stream)."""

    def write(self, value: str) -> str:
        return value


class MetricsExportApi(APIView):
    """One CSV row per booking starting in [start, end], streamed."""

    @extend_schema(parameters=[SummaryQuerySerializer], responses={(200, "text/csv"): str})
    def get(self, request: Request) -> StreamingHttpResponse:
        scope = scope_for(request, Booking)
        writer = csv.writer(_Echo())
        lines: Iterator[str] = (writer.writerow(row) for row in analytics.export_rows(scope))
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
        name = f"bookings-{scope.start}-{scope.end}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class RoutingWhatIfApi(APIView):
    """Replays a page's routed requests of a past period with another strategy or weights
    (staff with the view permission on routing decisions)."""

    @extend_schema(request=WhatIfSerializer, responses=OpenApiResponse())
    def post(self, request: Request) -> Response:
        if not staff_can(request.user, "view", RoutingDecision):
            raise PermissionDenied()
        data = WhatIfSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(what_if(**data.validated_data))
