"""The one way a migration puts a task on django-celery-beat's database schedule, so every
periodic sweep is created alike and stays editable in the admin (Periodic tasks).

Part of config's shared kernel (import-linter contract "kernel"): it imports nothing of ours,
so apps' migrations may use it."""

from __future__ import annotations

from django.db import migrations
from django.utils import timezone


def every_minute(*, name: str, task: str, description: str) -> migrations.RunPython:
    """A migration operation that schedules ``task`` every minute under ``name`` (and
    reversed, removes it). Idempotent: running it again updates the same entry."""

    def schedule(apps, schema_editor):
        interval = apps.get_model("django_celery_beat", "IntervalSchedule")
        every, _ = interval.objects.get_or_create(every=1, period="minutes")
        apps.get_model("django_celery_beat", "PeriodicTask").objects.update_or_create(
            name=name,
            defaults={"task": task, "interval": every, "enabled": True, "description": description},
        )
        # Tell a running beat to reload its schedule.
        apps.get_model("django_celery_beat", "PeriodicTasks").objects.update_or_create(
            ident=1, defaults={"last_update": timezone.now()}
        )

    def unschedule(apps, schema_editor):
        apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=name).delete()

    return migrations.RunPython(schedule, unschedule)
