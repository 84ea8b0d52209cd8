"""Configuration API serializers for sellers and teams."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from sellers.api.fields import CountryCodeField, ModelSerializer
from sellers.models import Seller, Team
from sellers.services import set_team_members


class SellerSerializer(ModelSerializer):
    country = CountryCodeField(required=False, allow_blank=True)
    weight = serializers.IntegerField(min_value=1, max_value=1000, default=1)
    languages = serializers.ListField(
        child=serializers.RegexField(r"^[A-Za-z]{2,3}$", help_text="ISO 639-1, e.g. es"),
        required=False,
    )
    provider_problem = serializers.CharField(
        read_only=True, help_text="What a video provider refuses about this seller's account."
    )

    class Meta:
        model = Seller
        fields = [
            "id",
            "name",
            "email",
            "slug",
            "country",
            "region",
            "timezone",
            "languages",
            "is_active",
            "weight",
            "provider_problem",
        ]

    def validate_languages(self, value: list[str]) -> list[str]:
        return [code.lower() for code in value]


class TeamSerializer(ModelSerializer):
    members = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Seller.objects.all(), required=False
    )

    class Meta:
        model = Team
        fields = ["id", "name", "slug", "members"]

    def create(self, validated_data: dict[str, Any]) -> Team:
        members = validated_data.pop("members", [])
        team = Team.objects.create(**validated_data)
        set_team_members(team=team, seller_ids=[seller.id for seller in members])
        return team

    def update(self, instance: Team, validated_data: dict[str, Any]) -> Team:
        members = validated_data.pop("members", None)
        for name, value in validated_data.items():
            setattr(instance, name, value)
        instance.save()
        if members is not None:
            set_team_members(team=instance, seller_ids=[seller.id for seller in members])
        return instance
