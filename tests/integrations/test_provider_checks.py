"""``manage.py check_providers`` and its admin page: one authenticated read per configured
provider through the real clients, against the strict fakes."""

import json
from contextlib import ExitStack

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.management import CommandError, call_command

from integrations.provider_checks import run_checks
from tests.integrations import (
    fake_graph,
    fake_hubspot,
    fake_pipedrive,
    fake_twilio,
    fake_whereby,
    fake_zoom,
)
from tests.integrations.fake_google import FakeGoogle
from tests.integrations.fake_postmark import FakePostmark
from tests.integrations.fake_smtp import FakeSmtp

ALL = [
    "Google Calendar (OAuth client)",
    "Google Calendar (service account)",
    "Microsoft Teams",
    "Pipedrive",
    "HubSpot",
    "Zoom",
    "Whereby",
    "Twilio",
    "Email (Postmark)",
    "Email (SMTP fallback)",
]


def _service_account_file(path, token_uri):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "private_key_id": "k1",
                "private_key": pem,
                "client_email": "cal@meetroute.iam.gserviceaccount.com",
                "client_id": "1",
                "token_uri": token_uri,
            }
        )
    )
    return str(path)


@pytest.fixture
def fakes(settings, monkeypatch, tmp_path):
    """Every provider configured against its fake."""
    with ExitStack() as stack:
        google = stack.enter_context(FakeGoogle())
        graph = stack.enter_context(fake_graph.FakeGraph())
        pipedrive = stack.enter_context(fake_pipedrive.FakePipedrive())
        hubspot = stack.enter_context(fake_hubspot.FakeHubSpot())
        zoom = stack.enter_context(fake_zoom.FakeZoom())
        whereby = stack.enter_context(fake_whereby.FakeWhereby())
        twilio = stack.enter_context(fake_twilio.FakeTwilio())
        postmark = stack.enter_context(FakePostmark())
        smtp = stack.enter_context(FakeSmtp())
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(graph.ca_bundle))
        graph.add_user("ops@example.com")
        settings.PROVIDER_TIMEOUT = 1
        settings.GOOGLE_CLIENT_ID, settings.GOOGLE_CLIENT_SECRET = google.client_id, "client-secret"
        settings.GOOGLE_TOKEN_URI, settings.GOOGLE_API_ENDPOINT = (
            google.token_uri,
            google.api_endpoint,
        )
        settings.GOOGLE_SERVICE_ACCOUNT_FILE = _service_account_file(
            tmp_path / "sa.json", google.token_uri
        )
        settings.GOOGLE_SHARED_CALENDAR_ID = "sales@group.calendar.google.com"
        settings.GOOGLE_IMPERSONATE_USER = "bot@example.com"
        settings.MS_TENANT_ID, settings.MS_CLIENT_ID = fake_graph.TENANT_ID, fake_graph.CLIENT_ID
        settings.MS_CLIENT_SECRET, settings.MS_CHECK_USER = (
            fake_graph.CLIENT_SECRET,
            "ops@example.com",
        )
        settings.MS_AUTHORITY_URL, settings.MS_GRAPH_URL = graph.authority_url, graph.graph_url
        settings.PIPEDRIVE_API_TOKEN, settings.PIPEDRIVE_API_URL = (
            fake_pipedrive.TOKEN,
            pipedrive.url,
        )
        settings.HUBSPOT_ACCESS_TOKEN, settings.HUBSPOT_API_URL = fake_hubspot.TOKEN, hubspot.url
        settings.ZOOM_ACCOUNT_ID, settings.ZOOM_CLIENT_ID = (
            fake_zoom.ACCOUNT_ID,
            fake_zoom.CLIENT_ID,
        )
        settings.ZOOM_CLIENT_SECRET, settings.ZOOM_OAUTH_URL = fake_zoom.CLIENT_SECRET, zoom.url
        settings.ZOOM_API_URL = f"{zoom.url}/v2"
        settings.WHEREBY_API_KEY, settings.WHEREBY_API_URL = fake_whereby.API_KEY, whereby.api_url
        settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = (
            fake_twilio.ACCOUNT_SID,
            fake_twilio.AUTH_TOKEN,
        )
        settings.TWILIO_FROM_NUMBER, settings.TWILIO_API_URL = fake_twilio.FROM_NUMBER, twilio.url
        settings.EMAIL_BACKEND = "anymail.backends.postmark.EmailBackend"
        settings.ANYMAIL = {
            "POSTMARK_SERVER_TOKEN": FakePostmark.token,
            "POSTMARK_API_URL": postmark.url + "/",
        }
        settings.EMAIL_FALLBACK_URL = smtp.url
        yield {"graph": graph, "twilio": twilio, "zoom": zoom, "google": google}


def test_every_configured_provider_is_checked_and_ok(fakes, capsys):
    call_command("check_providers")

    out = capsys.readouterr().out
    for name in ALL:
        assert f"OK    {name}" in out
    assert "access policy granted" in out
    assert fakes["google"].jwt_subjects == ["bot@example.com"]


@pytest.mark.parametrize(
    ("breakage", "provider", "words"),
    [
        (lambda s, f: setattr(s, "PIPEDRIVE_API_TOKEN", "bad"), "Pipedrive", "bad or expired"),
        (lambda s, f: setattr(s, "HUBSPOT_ACCESS_TOKEN", "bad"), "HubSpot", "bad or expired"),
        (lambda s, f: setattr(s, "ZOOM_CLIENT_SECRET", "bad"), "Zoom", "bad or expired"),
        (lambda s, f: setattr(s, "WHEREBY_API_KEY", "bad"), "Whereby", "bad or expired"),
        (
            lambda s, f: setattr(s, "GOOGLE_CLIENT_SECRET", "bad"),
            "Google Calendar (OAuth client)",
            "invalid_client",
        ),
        (
            lambda s, f: setattr(f["twilio"], "account_status", "suspended"),
            "Twilio",
            "account is suspended",
        ),
        (
            lambda s, f: f["graph"].policy_granted.clear(),
            "Microsoft Teams",
            "access policy missing for ops@example.com",
        ),
        (
            lambda s, f: setattr(s, "MS_CHECK_USER", "ghost@example.com"),
            "Microsoft Teams",
            "no Microsoft 365 user ghost@example.com",
        ),
        (lambda s, f: f["zoom"].hang_next(seconds=3), "Zoom", "unreachable"),
    ],
)
def test_a_failing_provider_is_named_in_words_and_the_exit_is_non_zero(
    fakes, settings, capsys, breakage, provider, words
):
    breakage(settings, fakes)

    with pytest.raises(CommandError, match="1 provider check"):
        call_command("check_providers")

    out = capsys.readouterr().out
    [line] = [line for line in out.splitlines() if line.startswith(f"FAIL  {provider}")]
    assert words in line
    assert sum(line.startswith("OK") for line in out.splitlines()) == len(ALL) - 1


def test_nothing_configured_checks_nothing(settings):
    for name in (
        "GOOGLE_CLIENT_ID",
        "GOOGLE_SERVICE_ACCOUNT_FILE",
        "MS_TENANT_ID",
        "PIPEDRIVE_API_TOKEN",
        "HUBSPOT_ACCESS_TOKEN",
        "ZOOM_ACCOUNT_ID",
        "WHEREBY_API_KEY",
        "TWILIO_ACCOUNT_SID",
        "EMAIL_FALLBACK_URL",
    ):
        setattr(settings, name, "")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    assert run_checks() == []
    call_command("check_providers")  # exit 0


@pytest.mark.django_db
def test_admin_page_runs_the_checks_for_staff_only(fakes, client, django_user_model):
    staff = django_user_model.objects.create_user("ops", password="x", is_staff=True)
    url = "/admin/providers/check/"

    assert client.get(url).status_code == 302  # to the admin login
    client.force_login(staff)
    page = client.get(url)
    assert b"Check providers" in page.content and b"Zoom" in page.content
    settings_broken = fakes["twilio"]
    settings_broken.account_status = "closed"
    result = client.post(url)

    assert result.status_code == 200
    assert b"1 failed" in result.content and b"account is closed" in result.content
