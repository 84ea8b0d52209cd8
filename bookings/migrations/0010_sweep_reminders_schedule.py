"""Schedule the reminder sweep every minute in django-celery-beat's database scheduler
(editable in the admin under Periodic tasks): reminders are rows a sweep sends, never
per-booking ETA tasks in the broker."""

from django.db import migrations

from config.beat import every_minute


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0009_reminders_sms_thread_and_opt_outs"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        every_minute(
            name="bookings: sweep due reminders",
            task="bookings.sweep_reminders",
            description="Send due reminders and follow-ups (bookings.reminders.sweep).",
        )
    ]
