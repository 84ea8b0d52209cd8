"""Re-encrypt every EncryptedTextField value with the newest key in FIELD_ENCRYPTION_KEYS.

Rotation: put the new key first (old values stay readable through the rest of the list), run
this command, then drop the old keys. It reads and writes the raw column values with SQL (the
ORM would decrypt on read and encrypt again on write), one row at a time under a row lock so
a token refreshed meanwhile is not overwritten. Values already under the newest key are left
alone, so running it twice changes nothing the second time.
"""

from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction

from sellers.fields import EncryptedTextField, fernet


def encrypted_fields(model: type[models.Model]) -> list[EncryptedTextField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]


def quoted_column(field: models.Field | None) -> str:
    """The quoted column of a concrete field (the stubs allow a pk-less model and no column)."""
    assert field is not None and field.column is not None
    return connection.ops.quote_name(field.column)


class Command(BaseCommand):
    help = "Re-encrypt every encrypted field with the first key of FIELD_ENCRYPTION_KEYS."

    def handle(self, *args: Any, **options: Any) -> None:
        ring = fernet()
        newest = Fernet(settings.FIELD_ENCRYPTION_KEYS[0].encode())
        changed = 0
        for model in apps.get_models():
            fields = encrypted_fields(model)
            if not fields:
                continue
            meta = model._meta
            table, pk = connection.ops.quote_name(meta.db_table), quoted_column(meta.pk)
            columns = [quoted_column(f) for f in fields]
            lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT {pk} FROM {table}")  # noqa: S608
                pks = [row[0] for row in cursor.fetchall()]
            for key in pks:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(
                        f"SELECT {', '.join(columns)} FROM {table} WHERE {pk} = %s{lock}",  # noqa: S608
                        [key],
                    )
                    row = cursor.fetchone()
                    if row is None:
                        continue
                    updates = {}
                    for field, column, value in zip(fields, columns, row, strict=True):
                        if not value:
                            continue
                        try:
                            newest.decrypt(value.encode())
                            continue  # already under the newest key
                        except InvalidToken:
                            pass
                        try:
                            updates[column] = ring.rotate(value.encode()).decode()
                        except InvalidToken as exc:
                            raise CommandError(
                                f"{meta.label} {key}: {field.name} cannot be decrypted with any "
                                "key in FIELD_ENCRYPTION_KEYS"
                            ) from exc
                    if updates:
                        assignments = ", ".join(f"{column} = %s" for column in updates)
                        cursor.execute(
                            f"UPDATE {table} SET {assignments} WHERE {pk} = %s",  # noqa: S608
                            [*updates.values(), key],
                        )
                        changed += len(updates)
        self.stdout.write(f"Re-encrypted {changed} value(s) with the newest key.")
