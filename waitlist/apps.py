from typing import Any

from django.apps import AppConfig


def _sync_beat_entry(**kwargs: Any) -> None:
    from waitlist.services import monitoring

    monitoring.sync_beat_entry()


class WaitlistConfig(AppConfig):
    name = "waitlist"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from celery.signals import beat_init

        # When beat starts, DISABLE_INTERNAL_CRONS switches the check tick's entry off (on).
        beat_init.connect(_sync_beat_entry, weak=False, dispatch_uid="waitlist.sync_beat_entry")
