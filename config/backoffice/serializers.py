"""Inputs of the back-office API and pages (the same classes validate both)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from bookings.analytics import Scope
from routing.models import RoutingStrategy
from scheduling.models import SchedulingPage
from sellers.models import Seller, Team

MAX_DAYS = 366


def check_range(attrs: dict[str, Any]) -> dict[str, Any]:
    if attrs["end"] < attrs["start"]:
        raise serializers.ValidationError({"end": [_("end must not be before start.")]})
    if (attrs["end"] - attrs["start"]).days > MAX_DAYS:
        raise serializers.ValidationError({"end": [_("The range may span at most 366 days.")]})
    return attrs


class SummaryQuerySerializer(serializers.Serializer):
    start = serializers.DateField(input_formats=["%Y-%m-%d"])
    end = serializers.DateField(input_formats=["%Y-%m-%d"])
    page = serializers.PrimaryKeyRelatedField(
        queryset=SchedulingPage.objects.all(), required=False, allow_null=True
    )
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), required=False, allow_null=True
    )
    seller = serializers.PrimaryKeyRelatedField(
        queryset=Seller.objects.all(), required=False, allow_null=True
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return check_range(attrs)

    def scope(self, *, only_seller: Any = None) -> Scope:
        """The validated query as a ``Scope``; ``only_seller`` narrows it to one seller
        whatever was asked (a seller reading their own figures)."""
        data = self.validated_data
        seller = data.get("seller")
        team = data.get("team")
        return Scope(
            start=data["start"],
            end=data["end"],
            page=data.get("page"),
            team_id=team.pk if team else None,
            seller_id=only_seller if only_seller is not None else (seller.pk if seller else None),
        )


class WhatIfSerializer(serializers.Serializer):
    page = serializers.PrimaryKeyRelatedField(queryset=SchedulingPage.objects.all())
    start = serializers.DateField(input_formats=["%Y-%m-%d"])
    end = serializers.DateField(input_formats=["%Y-%m-%d"])
    routing = serializers.ChoiceField(choices=RoutingStrategy.choices, required=False)
    weights = serializers.DictField(
        child=serializers.IntegerField(min_value=1, max_value=1000), required=False
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return check_range(attrs)
