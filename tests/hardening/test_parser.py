"""Hostile JSON bodies answer the error envelope (400 / 413), never a 5xx or an HTML page."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from config.parsers import depth_exceeds
from tests.bookings.conftest import body, personal_page, slot

pytestmark = pytest.mark.django_db


def url(meeting_type) -> str:
    return f"/api/v1/public/pages/{meeting_type.page.slug}/{meeting_type.slug}/bookings/"


def post_raw(client, meeting_type, raw: str):
    return client.generic("POST", url(meeting_type), raw, content_type="application/json")


def test_answers_nested_100000_deep_are_a_400(api_client):
    meeting_type, _ = personal_page()
    raw = json.dumps(body(slot()))[:-1] + ', "answers": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = post_raw(api_client, meeting_type, raw)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert "nest" in response.json()["error"]["message"]


def test_nesting_just_past_the_limit_is_a_400_without_recursion(api_client):
    meeting_type, _ = personal_page()
    raw = json.dumps({**body(slot()), "answers": {"q": nest(40)}})
    response = post_raw(api_client, meeting_type, raw)
    assert response.status_code == 400
    assert "nest" in response.json()["error"]["message"]


def test_a_5_mb_body_is_a_413_envelope(api_client):
    meeting_type, _ = personal_page()
    raw = json.dumps({**body(slot()), "notes": "x" * 5_000_000})
    response = post_raw(api_client, meeting_type, raw)
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "payload_too_large"


def test_a_body_over_the_setting_is_refused_and_one_under_it_is_read(api_client, settings):
    meeting_type, _ = personal_page()
    raw = json.dumps(body(slot()))
    settings.API_MAX_BODY_BYTES = len(raw) - 1
    assert post_raw(api_client, meeting_type, raw).status_code == 413
    settings.API_MAX_BODY_BYTES = len(raw)
    assert post_raw(api_client, meeting_type, raw).status_code == 201


def test_invalid_utf8_is_a_400(api_client):
    meeting_type, _ = personal_page()
    response = api_client.generic(
        "POST", url(meeting_type), b'{"name": "\xff\xfe"}', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def nest(depth: int):
    value: object = 1
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


@given(st.integers(min_value=0, max_value=80), st.integers(min_value=1, max_value=80))
def test_depth_exceeds_matches_the_built_depth(depth, limit):
    # nest(d) has d containers around a scalar: it exceeds `limit` exactly when d > limit.
    assert depth_exceeds(nest(depth), limit) is (depth > limit)


@pytest.mark.parametrize("charset", ["bogus", "utf-16", "latin-1"])
def test_odd_charsets_are_never_a_5xx(api_client, charset):
    meeting_type, _ = personal_page()
    response = api_client.generic(
        "POST",
        url(meeting_type),
        json.dumps(body(slot())).encode("utf-8"),
        content_type=f"application/json; charset={charset}",
    )
    assert response.status_code < 500


def test_database_away_is_a_503_with_retry_after_not_a_500() -> None:
    """A restart or failover (psycopg's connection errors, wrapped by Django) is not the
    client's fault: 503 `unavailable` in the envelope, with Retry-After."""
    from django.db import InterfaceError, OperationalError

    from config.api import exception_handler

    for error in (OperationalError("server closed the connection"), InterfaceError("closed")):
        answer = exception_handler(error, {})

        assert answer is not None
        assert (answer.status_code, answer["Retry-After"]) == (503, "5")
        assert answer.data["error"]["code"] == "unavailable"
