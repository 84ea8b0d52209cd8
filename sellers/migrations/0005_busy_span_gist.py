"""A GiST index over (seller, [start, end)) of external busy time, so the slot selectors'
overlap test (sellers.ranges) reads the rows around a window instead of every row of the
team's sellers. PostgreSQL only (the embedded SQLite default has few rows)."""

from django.db import migrations

INDEX = "busy_seller_span_gist"


def create(apps, schema_editor) -> None:  # noqa: ANN001
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON sellers_busyinterval "
            "USING gist (seller_id, tstzrange(start, \"end\", '[)'))"
        )


def drop(apps, schema_editor) -> None:  # noqa: ANN001
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("sellers", "0004_seller_provider_problem")]

    operations = [migrations.RunPython(create, drop)]
