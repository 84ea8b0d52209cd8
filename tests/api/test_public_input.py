"""Any JSON and any unicode at the public API: a 4xx envelope naming the field, never a 5xx
(issue 15). Nesting stays shallow here: too-deep bodies are the JSON parser's business."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from bookings.models import Booking
from tests.api.conftest import World
from tests.bookings.conftest import body

pytestmark = pytest.mark.django_db

# Every code point, lone surrogates included (json.dumps writes them as "\ud800" escapes).
ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=12)
CONTROL = st.sampled_from(["\x00", "\r\n", "\n", "\x1b", "\ud800", "\udfff", "\x7f"])
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ANY_TEXT, inner, max_size=3),
    max_leaves=8,
)
FIELDS = ["start", "timezone", "name", "email", "phone", "company", "country", "city",
          "answers", "notes", "reason"]  # fmt: skip


def send(client: APIClient, method: str, url: str, payload: Any) -> Any:
    """One request in a savepoint rolled back after it: every example meets the same rows."""
    raw = json.dumps(payload)  # ensure_ascii: surrogates travel as escapes, as JSON allows
    with transaction.atomic():
        response = client.generic(method, url, raw, content_type="application/json")
        transaction.set_rollback(True)
    return response


def urls(world: World) -> list[str]:
    values = world.path_values
    page = f"/api/v1/public/pages/{values['page']}/{values['meeting_type']}"
    token = f"/api/v1/public/bookings/{values['token']}"
    return [f"{page}/bookings/", f"{token}/cancel/", f"{token}/reschedule/"]


def assert_envelope(response: Any) -> None:
    assert response.status_code < 500, response.content[:500]
    if response.status_code >= 400:
        assert set(response.json()["error"]) == {"code", "message", "fields"}


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_public_posts_never_answer_5xx(world, data):
    client = APIClient()
    url = data.draw(st.sampled_from(urls(world)))
    base = body(world.free_slot_datetime) | {"reason": "x"}
    changes = data.draw(st.dictionaries(st.sampled_from(FIELDS), JSON, max_size=4))
    # Mostly a valid body with some fields replaced (reaches the services); else any JSON.
    payload = data.draw(st.sampled_from([base | changes, changes])) if changes else data.draw(JSON)
    assert_envelope(send(client, "POST", url, payload))


# A URL carries no lone surrogate (percent-decoding replaces it), but NUL and controls.
QUERY_TEXT = st.text(st.characters(codec=None, exclude_categories=("Cs",)), max_size=12)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(query=st.dictionaries(st.sampled_from(["start", "end", "timezone", "country"]),
                             QUERY_TEXT, max_size=4))  # fmt: skip
def test_public_slots_never_answer_5xx(world, query):
    values = world.path_values
    client = APIClient()
    for url in (
        f"/api/v1/public/pages/{values['page']}/{values['meeting_type']}/slots/",
        f"/api/v1/public/bookings/{values['token']}/slots/",
    ):
        assert_envelope(client.get(url, query))


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(field=st.sampled_from(["name", "company", "city", "email"]), bad=CONTROL)
def test_booking_single_line_field_with_control_character_is_400_naming_it(world, field, bad):
    payload = body(world.free_slot_datetime) | {field: f"Ana{bad}Lopez"}
    response = send(APIClient(), "POST", urls(world)[0], payload)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert list(response.json()["error"]["fields"]) == [field]


@pytest.mark.parametrize("bad", ["\x00", "\ud800", "\x1b"])
def test_booking_notes_refuse_nul_surrogates_and_controls_but_keep_line_breaks(world, bad):
    url = urls(world)[0]
    payload = body(world.free_slot_datetime)
    refused = send(APIClient(), "POST", url, payload | {"notes": f"a{bad}b"})
    assert list(refused.json()["error"]["fields"]) == ["notes"]
    kept = send(APIClient(), "POST", url, payload | {"notes": "line 1\r\nline 2\tend"})
    assert kept.status_code == 201, kept.json()


@pytest.mark.parametrize(
    "answers", [{"\ud800": "x"}, {"k\x00": "x"}, {"key": "a\x00"}, {"key": ["\udfff"]}]
)
def test_booking_answers_with_nul_or_surrogate_are_400_naming_answers(world, answers):
    payload = body(world.free_slot_datetime) | {"answers": answers}
    response = send(APIClient(), "POST", urls(world)[0], payload)
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["answers"]


@pytest.mark.parametrize("bad", ["\x00", "\ud800"])
def test_cancel_reason_with_nul_or_surrogate_is_400_and_cancels_nothing(world, bad):
    response = send(APIClient(), "POST", urls(world)[1], {"reason": f"a{bad}"})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["reason"]
    assert Booking.objects.filter(status="cancelled").count() == 0


def test_booking_name_with_crlf_never_reaches_the_seller_email_subject(world, mailoutbox):
    payload = body(world.free_slot_datetime) | {"name": "Ana\r\nBcc: x@example.com"}
    response = send(APIClient(), "POST", urls(world)[0], payload)
    assert list(response.json()["error"]["fields"]) == ["name"]
    assert mailoutbox == []
