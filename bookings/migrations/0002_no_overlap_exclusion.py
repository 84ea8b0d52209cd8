"""No two confirmed bookings of one seller may overlap, buffers included: PostgreSQL says so.

An exclusion constraint over (seller, [blocked_start, blocked_end)) needs btree_gist for the
equality on seller_id. On SQLite (the embedded default) both steps are skipped: there the
booking service checks and inserts inside one write transaction instead.
"""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

ADD = """
ALTER TABLE bookings_booking ADD CONSTRAINT booking_no_overlap
EXCLUDE USING gist (
    seller_id WITH =,
    tstzrange(blocked_start, blocked_end, '[)') WITH &&
) WHERE (status = 'confirmed')
"""
DROP = "ALTER TABLE bookings_booking DROP CONSTRAINT booking_no_overlap"


def on_postgres(sql: str):  # noqa: ANN201
    def run(apps, schema_editor) -> None:  # noqa: ANN001
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("bookings", "0001_initial")]

    operations = [
        BtreeGistExtension(),
        migrations.RunPython(on_postgres(ADD), on_postgres(DROP)),
    ]
