import pytest
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured

from integrations.apps import refuse_half_configured_providers
from integrations.checks import TAG

CLEAN = {
    "GOOGLE_CLIENT_ID": "",
    "GOOGLE_CLIENT_SECRET": "",
    "PIPEDRIVE_API_TOKEN": "",
    "PIPEDRIVE_COMPANY_DOMAIN": "",
    "PIPEDRIVE_WEBHOOK_USER": "",
    "OUTLOOK_CLIENT_ID": "",
    "OUTLOOK_CLIENT_SECRET": "",
    "PIPEDRIVE_WEBHOOK_PASSWORD": "",
    "TWILIO_ACCOUNT_SID": "",
    "TWILIO_AUTH_TOKEN": "",
    "TWILIO_FROM_NUMBER": "",
    "ZOOM_ACCOUNT_ID": "",
    "ZOOM_CLIENT_ID": "",
    "ZOOM_CLIENT_SECRET": "",
    "MS_TENANT_ID": "",
    "MS_CLIENT_ID": "",
    "MS_CLIENT_SECRET": "",
    "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
}


@pytest.fixture
def clean(settings):
    for name, value in CLEAN.items():
        setattr(settings, name, value)
    return settings


def messages():
    return [(m.id, m.msg) for m in run_checks(tags=[TAG])]


def test_checks_pass_with_no_provider_configured(clean):
    assert messages() == []


def test_checks_pass_with_a_fully_configured_provider(clean):
    clean.TWILIO_ACCOUNT_SID = "AC" + "0" * 32
    clean.TWILIO_AUTH_TOKEN = "secret"
    clean.TWILIO_FROM_NUMBER = "+14155550100"
    clean.PIPEDRIVE_API_TOKEN = "token"
    clean.PIPEDRIVE_COMPANY_DOMAIN = "acme"

    assert messages() == []


def test_half_configured_twilio_names_what_is_missing(clean):
    clean.TWILIO_ACCOUNT_SID = "AC" + "0" * 32

    assert messages() == [
        (
            "integrations.E001",
            "Twilio is half-configured: TWILIO_ACCOUNT_SID is set but TWILIO_AUTH_TOKEN, "
            "TWILIO_FROM_NUMBER are not.",
        )
    ]


def test_pipedrive_token_without_domain_fails(clean):
    clean.PIPEDRIVE_API_TOKEN = "token"

    assert [m[0] for m in messages()] == ["integrations.E001"]
    assert "PIPEDRIVE_COMPANY_DOMAIN is not" in messages()[0][1]


def test_pipedrive_webhook_user_without_password_fails(clean):
    clean.PIPEDRIVE_WEBHOOK_USER = "pipedrive"

    assert [m[0] for m in messages()] == ["integrations.E001"]
    assert "PIPEDRIVE_WEBHOOK_PASSWORD is not" in messages()[0][1]


def test_outlook_id_without_secret_fails(clean):
    clean.OUTLOOK_CLIENT_ID = "00000000-0000-0000-0000-000000000001"

    assert [m[0] for m in messages()] == ["integrations.E001"]
    assert "OUTLOOK_CLIENT_SECRET is not" in messages()[0][1]


def test_google_id_without_secret_fails(clean):
    clean.GOOGLE_CLIENT_ID = "id.apps.googleusercontent.com"

    assert [m[0] for m in messages()] == ["integrations.E001"]


def test_bad_twilio_values_fail(clean):
    clean.TWILIO_ACCOUNT_SID = "SK123"
    clean.TWILIO_AUTH_TOKEN = "secret"
    clean.TWILIO_FROM_NUMBER = "555-0100"

    assert [m[0] for m in messages()] == ["integrations.E002", "integrations.E003"]


def test_anymail_backend_without_credentials_fails(clean):
    clean.EMAIL_BACKEND = "anymail.backends.postmark.EmailBackend"
    clean.ANYMAIL = {}

    assert [m[0] for m in messages()] == ["integrations.E005"]
    clean.ANYMAIL = {"POSTMARK_SERVER_TOKEN": "x"}
    assert messages() == []


def test_celery_worker_refuses_to_start_half_configured(clean):
    clean.ZOOM_ACCOUNT_ID = "acct"

    with pytest.raises(ImproperlyConfigured, match=r"Zoom .* is half-configured"):
        refuse_half_configured_providers()


@pytest.mark.parametrize(
    ("changes", "error_id"),
    [
        ({"WHEREBY_API_KEY": "k", "WHEREBY_ROOM_MODE": "huge"}, "integrations.E007"),
        ({"JITSI_DOMAIN": "https://meet.example.org/room"}, "integrations.E008"),
        (
            {"GOOGLE_IMPERSONATE_USER": "bot@example.com", "GOOGLE_SERVICE_ACCOUNT_FILE": ""},
            "integrations.E009",
        ),
        ({"EMAIL_FALLBACK_URL": "smtp://mail.example.com:587"}, "integrations.E010"),
    ],
)
def test_new_provider_settings_fail_fast_when_inconsistent(clean, changes, error_id):
    for name, value in changes.items():
        setattr(clean, name, value)

    assert [m[0] for m in messages()] == [error_id]


def test_new_provider_settings_pass_when_consistent(clean):
    clean.WHEREBY_API_KEY, clean.WHEREBY_ROOM_MODE = "k", "group"
    clean.JITSI_DOMAIN = "meet.example.org"
    clean.EMAIL_BACKEND = "anymail.backends.postmark.EmailBackend"
    clean.ANYMAIL = {"POSTMARK_SERVER_TOKEN": "t"}
    clean.EMAIL_FALLBACK_URL = "smtp://mail.example.com:587"

    assert messages() == []
