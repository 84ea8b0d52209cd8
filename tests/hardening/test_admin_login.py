"""Admin sign-in: lockout after repeated failures, superuser unlock, optional TOTP."""

import io

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"
PASSWORD = "pass-word-123"  # the factories' password


def sign_in(client: Client, username: str, password: str, **extra) -> int:
    """The status of the admin after a sign-in attempt: 200 means we are in."""
    client.post(LOGIN, {"username": username, "password": password, **extra})
    return client.get("/admin/").status_code


def test_fifty_wrong_passwords_then_the_right_one_is_locked_out():
    StaffFactory(username="boss")
    client = Client()
    for _ in range(50):
        response = client.post(LOGIN, {"username": "boss", "password": "guess"})
        assert response.status_code in (200, 429)  # the form again, then the lockout page

    right = client.post(LOGIN, {"username": "boss", "password": PASSWORD})

    assert right.status_code == 429
    assert client.get("/admin/").status_code == 302  # still signed out
    # From another address the username alone is locked too (guessing from many IPs).
    other = Client(REMOTE_ADDR="203.0.113.9")
    assert other.post(LOGIN, {"username": "boss", "password": PASSWORD}).status_code == 429


def test_a_few_failures_then_the_right_password_gets_in(settings):
    StaffFactory(username="boss")
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(LOGIN, {"username": "boss", "password": "guess"})

    assert sign_in(client, "boss", PASSWORD) == 200
    assert not AccessAttempt.objects.exists()  # success resets the count


def lock_out(username: str, settings) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        Client().post(LOGIN, {"username": username, "password": "guess"})
    assert Client().post(LOGIN, {"username": username, "password": PASSWORD}).status_code == 429


def test_superuser_unlocks_with_axes_reset(settings):
    StaffFactory(username="boss")
    lock_out("boss", settings)

    call_command("axes_reset_username", "boss", stdout=io.StringIO())

    assert sign_in(Client(), "boss", PASSWORD) == 200


def test_superuser_unlocks_from_the_admin(settings):
    StaffFactory(username="boss")
    lock_out("boss", settings)
    helper = Client()
    helper.force_login(StaffFactory(username="root"))
    attempt = AccessAttempt.objects.get(username="boss")

    response = helper.post(
        f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"}, follow=True
    )

    assert response.status_code == 200
    assert not AccessAttempt.objects.exists()
    assert sign_in(Client(), "boss", PASSWORD) == 200


def test_totp_is_off_by_default():
    StaffFactory(username="boss")
    assert sign_in(Client(), "boss", PASSWORD) == 200


def test_totp_on_requires_a_verified_device(settings):
    settings.ADMIN_REQUIRE_OTP = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # no back-off after the wrong code below
    user = UserFactory(username="clerk", is_staff=True, is_superuser=True)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)

    # The password alone (no device code) is not enough, nor is a wrong code.
    assert sign_in(Client(), "clerk", PASSWORD) == 302
    assert (
        sign_in(Client(), "clerk", PASSWORD, otp_device=device.persistent_id, otp_token="000000")
        == 302
    )
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    assert (
        sign_in(Client(), "clerk", PASSWORD, otp_device=device.persistent_id, otp_token=code) == 200
    )


def test_totp_on_refuses_a_session_without_verification(settings):
    settings.ADMIN_REQUIRE_OTP = True
    client = Client()
    client.force_login(StaffFactory(username="boss"))  # signed in, but not OTP-verified

    assert client.get("/admin/").status_code == 302


def test_superuser_sees_a_totp_devices_qr_code():
    root = StaffFactory(username="root")
    device = TOTPDevice.objects.create(user=root, name="phone", confirmed=False)
    client = Client()
    client.force_login(root)

    response = client.get(f"/admin/otp_totp/totpdevice/{device.pk}/qrcode/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")


def test_behind_a_proxy_the_lockout_counts_the_forwarded_client(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    StaffFactory(username="boss")
    attacker = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attacker.post(LOGIN, {"username": "nobody", "password": "guess"})

    # Same proxy address, another client behind it: not locked out.
    colleague = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.8")
    assert sign_in(colleague, "boss", PASSWORD) == 200
    assert AccessAttempt.objects.get().ip_address == "198.51.100.7"
