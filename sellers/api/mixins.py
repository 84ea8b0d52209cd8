"""Shared behaviour of the configuration API's viewsets."""

from __future__ import annotations

from typing import Any

from django.db.models import ProtectedError

from config.errors import Conflict


class ProtectedDestroyMixin:
    """A delete that would remove booked history answers 409 ``conflict``, not a 500."""

    protected_message = "This row has bookings; deactivate it instead of deleting it."

    def perform_destroy(self, instance: Any) -> None:
        try:
            instance.delete()
        except ProtectedError as exc:
            raise Conflict(self.protected_message) from exc
