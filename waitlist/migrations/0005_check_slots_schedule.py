"""Schedule the waitlist check tick every minute in django-celery-beat's database scheduler.

The tick itself decides which slots are due (their own ``next_check_at``), so an idle
minute costs one query. ``DISABLE_INTERNAL_CRONS=true`` switches this entry off when beat
starts (waitlist.services.monitoring.sync_beat_entry) and an external scheduler calls
``POST /api/cron/waitlist-check`` instead."""

from django.db import migrations
from django.utils import timezone

TASK_NAME = "waitlist: check monitored slots"


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.update_or_create(
        name=TASK_NAME,
        defaults={
            "task": "waitlist.check_slots",
            "interval": every_minute,
            "enabled": True,
            "description": "Check the due waitlist slots against their external calendars "
            "and expire the past ones (see waitlist.services.monitoring.run_tick).",
        },
    )
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("waitlist", "0004_slot_last_check_result"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
