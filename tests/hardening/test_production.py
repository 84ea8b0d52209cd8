"""Production settings: `check --deploy` is clean, CSP and no-store headers, hashed API
tokens (old plaintext ones migrated)."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from knox.models import AuthToken
from rest_framework.test import APIClient

from bookings.tokens import hash_token
from tests.bookings.conftest import personal_page
from tests.factories import BookingFactory, SellerFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db
BASE_DIR = Path(__file__).resolve().parents[2]


def test_production_settings_pass_check_deploy_without_warnings():
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(BASE_DIR),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": Fernet.generate_key().decode() + "-long-and-random-enough",
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "EMAIL_URL": "smtp://mailer:pw@smtp.internal:587",
        "ALLOWED_HOSTS": "book.example.com",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_booking_pages_send_a_csp_with_a_nonce_for_the_brand_style(client):
    meeting_type, _ = personal_page()

    response = client.get(f"/schedule/{meeting_type.page.slug}/{meeting_type.slug}/")

    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "'unsafe-inline'" not in policy
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'<style nonce="{nonce}">' in response.content.decode()
    assert ' style="' not in response.content.decode()


def assert_no_store(response) -> None:
    assert "no-store" in response["Cache-Control"], response["Cache-Control"]


def test_token_bearing_pages_and_answers_are_never_cached(client, api_client):
    booking = BookingFactory(manage_token_hash=hash_token("t" * 43))
    token = "t" * 43

    assert_no_store(client.get(f"/schedule/manage/{token}/"))
    assert_no_store(client.get(f"/schedule/manage/{token}/invite.ics"))
    assert_no_store(client.get("/schedule/manage/unknown-token-xxxxxxxxxxxxxxx/"))
    for path in ("", "slots/?start=2030-01-01&end=2030-01-02&timezone=UTC"):
        assert_no_store(api_client.get(f"/api/v1/public/bookings/{token}/{path}"))
    for action in ("cancel", "reschedule"):
        assert_no_store(api_client.post(f"/api/v1/public/bookings/{token}/{action}/", {}))
    assert booking.pk


def test_booking_answer_with_the_manage_token_is_never_cached(api_client):
    meeting_type, _ = personal_page()
    url = f"/api/v1/public/pages/{meeting_type.page.slug}/{meeting_type.slug}/bookings/"

    assert_no_store(api_client.post(url, {}, format="json"))


def test_api_tokens_are_stored_hashed_and_work_once_shown():
    seller = SellerFactory(user=UserFactory(username="me"))
    out = io.StringIO()

    call_command("create_api_token", "me", stdout=out)

    token = out.getvalue().strip()
    stored = AuthToken.objects.get(user=seller.user)
    assert token not in (stored.digest, stored.token_key) and len(token) == 64
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/sellers/").json()["count"] == 1


def test_admin_token_list_shows_no_plaintext(client):
    _instance, token = AuthToken.objects.create(user=UserFactory(username="api"))

    client.force_login(StaffFactory(username="root"))
    page = client.get("/admin/knox/authtoken/").content.decode()

    assert "api" in page and token not in page


@pytest.mark.django_db(transaction=True)
def test_old_plaintext_drf_tokens_are_migrated_to_hashes_and_keep_working():
    module = __import__("sellers.migrations.0002_api_tokens_hashed", fromlist=["x"])
    user = UserFactory(username="old")
    SellerFactory(user=user)
    old_key = "0123456789abcdef0123456789abcdef01234567"  # DRF's 40-hex key
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, "
            "user_id integer NOT NULL, created timestamptz NOT NULL)"
        )
        cursor.execute("INSERT INTO authtoken_token VALUES (%s, %s, now())", [old_key, user.pk])

    with connection.schema_editor() as editor:
        module.hash_existing_tokens(apps, editor)

    assert "authtoken_token" not in connection.introspection.table_names()
    assert not AuthToken.objects.filter(digest__contains=old_key).exists()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {old_key}")
    assert client.get("/api/v1/sellers/").status_code == 200
