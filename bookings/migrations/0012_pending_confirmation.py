"""Optional email confirmation (BOOKING_EMAIL_CONFIRMATION): a ``pending`` booking holds its
time like a confirmed one (the exclusion constraint covers it), and a sweep every minute
releases the requests nobody confirmed in time."""

from importlib import import_module

from django.db import migrations, models

from config.beat import every_minute

# The constraint's SQL lives in 0011 (a module name Python's import statement cannot spell).
constraint_over = import_module("bookings.migrations.0011_held_status_blocks_overlap").constraint_over


class Migration(migrations.Migration):

    dependencies = [
        ('bookings', '0011_held_status_blocks_overlap'),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.AddField(
            model_name='booking',
            name='confirm_by',
            field=models.DateTimeField(blank=True, help_text='A pending booking is released when not confirmed by then.', null=True),
        ),
        migrations.AlterField(
            model_name='booking',
            name='status',
            field=models.CharField(choices=[('confirmed', 'Confirmed'), ('cancelled', 'Cancelled'), ('completed', 'Completed'), ('no_show', 'No show'), ('held', 'Held for the waitlist'), ('pending', 'Awaiting email confirmation')], default='confirmed', max_length=20),
        ),
        migrations.AlterField(
            model_name='bookingevent',
            name='kind',
            field=models.CharField(choices=[('created', 'Created'), ('confirmed', 'Confirmed by email'), ('rescheduled', 'Rescheduled'), ('cancelled', 'Cancelled'), ('completed', 'Completed'), ('no_show', 'No show'), ('deal_outcome', 'CRM deal outcome'), ('synced', 'Synced'), ('sync_failed', 'Sync failed'), ('manual_sync_needed', 'Needs manual sync'), ('recheck_skipped', 'Calendar re-check skipped'), ('reminder_sent', 'Reminder sent'), ('note', 'Note')], max_length=30),
        ),
        migrations.AlterField(
            model_name='syncjob',
            name='action',
            field=models.CharField(choices=[('create', 'Create'), ('update', 'Update'), ('cancel', 'Cancel'), ('deliver', 'Deliver'), ('confirm', 'Ask to confirm')], max_length=20),
        ),
        migrations.RunPython(
            constraint_over("status IN ('confirmed', 'held', 'pending')"),
            constraint_over("status IN ('confirmed', 'held')"),
        ),
        every_minute(
            name="bookings: release unconfirmed bookings",
            task="bookings.release_unconfirmed",
            description="Free the time of bookings not confirmed by email in time "
            "(bookings.services.confirmation).",
        ),
    ]
