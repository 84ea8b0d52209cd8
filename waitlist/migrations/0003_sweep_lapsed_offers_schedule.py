"""Schedule the sweep of lapsed offers every minute in django-celery-beat's database
scheduler: a hold nobody answered goes to the next person in line."""

from django.db import migrations
from django.utils import timezone

TASK_NAME = "waitlist: hand lapsed offers to the next entry"


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.update_or_create(
        name=TASK_NAME,
        defaults={
            "task": "waitlist.sweep_lapsed_offers",
            "interval": every_minute,
            "enabled": True,
            "description": "See waitlist.services.offers.sweep_lapsed_offers.",
        },
    )
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("waitlist", "0002_entry_tokens_holds_rules_keys_calls"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
