"""A waitlist offer holds its slot with a ``held`` booking row: the exclusion constraint now
keeps confirmed and held rows apart, so a hold gets the same database guarantee as a booking."""

from django.db import migrations, models

CONSTRAINT = """
ALTER TABLE bookings_booking ADD CONSTRAINT booking_no_overlap
EXCLUDE USING gist (
    seller_id WITH =,
    tstzrange(blocked_start, blocked_end, '[)') WITH &&
) WHERE ({where})
"""


def constraint_over(where: str):  # noqa: ANN201
    def run(apps, schema_editor) -> None:  # noqa: ANN001
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute("ALTER TABLE bookings_booking DROP CONSTRAINT booking_no_overlap")
            schema_editor.execute(CONSTRAINT.format(where=where))

    return run


class Migration(migrations.Migration):
    dependencies = [("bookings", "0010_sweep_reminders_schedule")]

    operations = [
        migrations.AlterField(
            model_name="booking",
            name="status",
            field=models.CharField(
                choices=[
                    ("confirmed", "Confirmed"),
                    ("cancelled", "Cancelled"),
                    ("completed", "Completed"),
                    ("no_show", "No show"),
                    ("held", "Held for the waitlist"),
                ],
                default="confirmed",
                max_length=20,
            ),
        ),
        migrations.RunPython(
            constraint_over("status IN ('confirmed', 'held')"),
            constraint_over("status = 'confirmed'"),
        ),
    ]
