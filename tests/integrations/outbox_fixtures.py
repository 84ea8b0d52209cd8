"""Fixtures of the outbox tests, loaded as a plugin by tests/conftest.py."""

import pytest

from bookings.outbox import handlers
from integrations.circuit import CircuitBreaker
from tests.integrations import stand_in


@pytest.fixture
def breakers():
    """Every target's breaker, closed before and after the test (state is in Redis)."""
    all_breakers = {target: CircuitBreaker(target) for target in handlers.HANDLERS}
    for breaker in all_breakers.values():
        breaker.reset()
    yield all_breakers
    for breaker in all_breakers.values():
        breaker.reset()


@pytest.fixture
def stand_in_handler(monkeypatch, breakers) -> stand_in.StandIn:
    """Route the pipedrive, calendar and video targets to a scripted stand-in handler."""
    stand_in.current = stand_in.StandIn()
    for target in ("pipedrive", "calendar", "video"):
        monkeypatch.setitem(handlers.HANDLERS, target, "tests.integrations.stand_in.handle")
    return stand_in.current


def drop_database_connection() -> None:
    """What a PostgreSQL restart does to this process's connection."""
    import psycopg
    from django.db import connection

    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    settings_dict = connection.settings_dict
    with psycopg.connect(
        host=settings_dict["HOST"],
        port=settings_dict["PORT"] or 5432,
        user=settings_dict["USER"],
        dbname=settings_dict["NAME"],
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
