"""Schedule the reminder sweep every minute in django-celery-beat's database scheduler
(editable in the admin under Periodic tasks): reminders are rows a sweep sends, never
per-booking ETA tasks in the broker."""

from django.db import migrations
from django.utils import timezone

TASK_NAME = "bookings: sweep due reminders"


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.update_or_create(
        name=TASK_NAME,
        defaults={
            "task": "bookings.sweep_reminders",
            "interval": every_minute,
            "enabled": True,
            "description": "Send due reminders and follow-ups (bookings.reminders.sweep).",
        },
    )
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0009_reminders_sms_thread_and_opt_outs"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
