"""Calendar tokens are encrypted at rest, and the keys can rotate without losing a value."""

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings

from sellers.models import CalendarConnection
from tests.factories import CalendarConnectionFactory

pytestmark = pytest.mark.django_db

KEY_A, KEY_B, KEY_C = (Fernet.generate_key().decode() for _ in range(3))
TOKENS = {
    "access_token": "ya29.plain-access",
    "refresh_token": "1//plain-refresh",
    "channel_token": "plain-channel",
}


def raw_columns(pk: object) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT access_token, refresh_token, channel_token "
            "FROM sellers_calendarconnection WHERE id = %s",
            [pk],
        )
        row = cursor.fetchone()
    return dict(zip(TOKENS, row, strict=True))


def tokens_of(pk: object) -> dict[str, str]:
    conn = CalendarConnection.objects.get(pk=pk)
    return {name: getattr(conn, name) for name in TOKENS}


def rotate() -> str:
    out = io.StringIO()
    call_command("rotate_encryption_keys", stdout=out)
    return out.getvalue().strip()


def test_encrypted_tokens_raw_column_holds_no_plaintext() -> None:
    conn = CalendarConnectionFactory(**TOKENS)

    raw = raw_columns(conn.pk)

    for name, plaintext in TOKENS.items():
        assert plaintext not in raw[name]
        assert raw[name].startswith("gAAAAA")  # a Fernet token
    assert tokens_of(conn.pk) == TOKENS


def test_encrypted_empty_token_stays_empty() -> None:
    conn = CalendarConnectionFactory(access_token="", refresh_token="", channel_token="")

    assert raw_columns(conn.pk) == {name: "" for name in TOKENS}


def test_encryption_rotation_keeps_old_values_readable_then_reencrypts() -> None:
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_A]):
        conn = CalendarConnectionFactory(**TOKENS)
        under_a = raw_columns(conn.pk)

    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_B, KEY_A]):
        assert tokens_of(conn.pk) == TOKENS  # new key first: old values still read
        first = rotate()
        second = rotate()
        rotated = raw_columns(conn.pk)

    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_B]):
        assert tokens_of(conn.pk) == TOKENS  # old key gone: values were re-encrypted

    assert (first, second) == (
        "Re-encrypted 3 value(s) with the newest key.",
        "Re-encrypted 0 value(s) with the newest key.",
    )
    for name in TOKENS:
        assert rotated[name] != under_a[name]
        assert Fernet(KEY_B.encode()).decrypt(rotated[name].encode()).decode() == TOKENS[name]


def test_encryption_unknown_key_fails_clearly() -> None:
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_A]):
        conn = CalendarConnectionFactory(**TOKENS)

    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_C]):
        with pytest.raises(ValueError) as read_error:
            CalendarConnection.objects.get(pk=conn.pk)
        with pytest.raises(CommandError) as rotate_error:
            rotate()

    assert str(read_error.value) == (
        "CalendarConnection.access_token cannot be decrypted with any key in FIELD_ENCRYPTION_KEYS"
    )
    assert str(rotate_error.value) == (
        f"sellers.CalendarConnection {conn.pk}: access_token cannot be decrypted with any key "
        "in FIELD_ENCRYPTION_KEYS"
    )
