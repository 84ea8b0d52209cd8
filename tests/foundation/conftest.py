import pytest
from django.test import Client
from django.urls import reverse


def admin_url(model: type, view: str, *args: object) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def client(staff_user) -> Client:
    """A browser session logged in as a staff superuser."""
    client = Client()
    client.force_login(staff_user)
    return client
