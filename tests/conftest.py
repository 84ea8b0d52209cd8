import pytest
from rest_framework.test import APIClient

from tests.factories import StaffFactory

# Fixtures of the outbox tests (breakers, stand_in_handler).
pytest_plugins = ["tests.integrations.outbox_fixtures"]


@pytest.fixture
def staff_user(db):
    return StaffFactory(username="staff")


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def staff_client(staff_user) -> APIClient:
    client = APIClient()
    client.force_authenticate(staff_user)
    return client
