"""Schedule the waitlist check tick every minute in django-celery-beat's database scheduler.

The tick itself decides which slots are due (their own ``next_check_at``), so an idle
minute costs one query. ``DISABLE_INTERNAL_CRONS=true`` switches this entry off when beat
starts (waitlist.services.monitoring.sync_beat_entry) and an external scheduler calls
``POST /api/cron/waitlist-check`` instead."""

from django.db import migrations

from config.beat import every_minute


class Migration(migrations.Migration):
    dependencies = [
        ("waitlist", "0004_slot_last_check_result"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        every_minute(
            name="waitlist: check monitored slots",
            task="waitlist.check_slots",
            description=(
                "Check the due waitlist slots against their external calendars "
                "and expire the past ones (see waitlist.services.monitoring.run_tick)."
            ),
        )
    ]
