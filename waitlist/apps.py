from typing import Any

from django.apps import AppConfig


def _sync_beat_entry(**kwargs: Any) -> None:
    from waitlist.services import monitoring

    monitoring.sync_beat_entry()


class WaitlistConfig(AppConfig):
    name = "waitlist"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Hear about bookings (waitlist sits above them): a cancellation or a reschedule
        frees time to offer. When beat starts, DISABLE_INTERNAL_CRONS switches the check
        tick's entry off (or on again)."""
        from celery.signals import beat_init

        from bookings.changes import on_booking_change
        from waitlist.services.offers import on_booking_change as offer_freed_time

        on_booking_change(offer_freed_time)
        beat_init.connect(_sync_beat_entry, weak=False, dispatch_uid="waitlist.sync_beat_entry")
