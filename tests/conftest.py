import pytest
from rest_framework.test import APIClient

from config.translations import compile_catalogs
from scheduling import cache as slot_cache
from tests.factories import StaffFactory

# Fixtures of the outbox tests (breakers, stand_in_handler).
pytest_plugins = ["tests.integrations.outbox_fixtures"]


def pytest_sessionstart(session: pytest.Session) -> None:
    """Compile the translations changed since their .mo (the build does it too): pytest run
    straight after editing a .po, without `make`, must not test stale translations."""
    compile_catalogs(only_stale=True)


@pytest.fixture(autouse=True)
def empty_memo() -> None:
    slot_cache.clear_memo()


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
