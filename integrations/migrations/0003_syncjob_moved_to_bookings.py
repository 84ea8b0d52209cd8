"""SyncJob now belongs to bookings (see bookings.0003): drop it from this app's state only;
the table and its rows stay where they are."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0002_sweep_sync_jobs_schedule"),
        ("bookings", "0003_syncjob_moved_from_integrations"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="SyncJob")],
            database_operations=[],
        ),
    ]
