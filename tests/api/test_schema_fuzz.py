"""Schemathesis over the WHOLE OpenAPI document, public and authenticated (as staff),
against the WSGI app: the schema and the validation are one thing.

Each generated request runs in a savepoint that is rolled back, so every example meets the
same small world (tests/api/conftest.py). Asserted: no 5xx, every documented answer matches
its schema, and no operation rejects most of what its schema calls valid.
"""

from __future__ import annotations

import collections
import datetime as dt
from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.db import transaction
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.api.conftest import World, in_test_transaction

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 12
MIN_ACCEPTED = 0.5
#: 409 answers a state (a row with bookings, a taken slot), not the input's shape.
STATE_STATUSES = {409}
#: Path parameter {id} of the authenticated resources → the world's row.
ID_BY_PREFIX = {
    "/api/v1/bookings/": "booking",
    "/api/v1/sellers/": "seller",
    "/api/v1/overrides/": "override",
    "/api/v1/teams/": "team",
    "/api/v1/pages/": "page_id",
    "/api/v1/meeting-types/": "meeting_type_id",
    "/api/v1/webhooks/": "webhook",
    "/api/v1/waitlist/calendar-configs/": "calendar_config",
    "/api/v1/waitlist/entries/": "waitlist_entry",
    "/api/v1/waitlist/slots/": "waitlist_slot",
}


def path_parameters(path: str, world: World) -> dict[str, str]:
    values = world.path_values
    fixed = {key: values[key] for key in ("page", "meeting_type", "token", "delivery_id")}
    if "/waitlist/{token}" in path:
        fixed["token"] = values["waitlist_token"]
    for prefix, name in ID_BY_PREFIX.items():
        if path.startswith(prefix):
            fixed["id"] = values[name]
    return {key: value for key, value in fixed.items() if "{" + key + "}" in path}


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def ground(case: Any, world: World) -> None:
    """Give the generated case what OpenAPI 3.0 cannot state, and nothing else:
    references point at existing rows (a random UUID names nothing), the page number at a
    page that exists; a date range is ordered, at most 31 days long and inside the years the
    API serves (1971-9998); wall-clock ranges start before they end, with both ends or
    none, and weekly rules do not overlap; a booking's start is an offered slot and its
    phone a real number (free slots and numbering plans are no pattern); answers match the
    meeting type's questions (none here); a webhook URL resolves without DNS; a what-if
    weighs the page's sellers."""
    values = world.path_values
    refs = {"seller": values["seller"], "team": values["team"], "page": values["page_id"]}
    for part in (case.query, case.body):
        if not isinstance(part, dict):
            continue
        for name, real in refs.items():
            if isinstance(part.get(name), str) and part[name] != "none":
                part[name] = real
        if isinstance(part.get("members"), list):
            part["members"] = world.sellers[: len(part["members"])]
    if isinstance(case.query, dict):
        _dates_in_range(case.query)
        for number in ("page_number", "p"):
            if number in case.query:
                case.query[number] = 1
    if not isinstance(case.body, dict):
        return
    if "/webhooks/" in case.path and "url" in case.body:
        case.body["url"] = "http://127.0.0.1:9/hook"  # resolvable without DNS; private allowed
    if "/what-if/" in case.path:
        _dates_in_range(case.body)
        if isinstance(case.body.get("weights"), dict):
            weights = list(case.body["weights"].values())
            case.body["weights"] = dict(zip(world.sellers, weights, strict=False))
    if "/waitlist/" in case.path:  # a waitlist is for a taken time, from a real phone
        for name in ("start", "requested_slot"):
            if name in case.body:
                case.body[name] = values["taken_slot"]
        for name in ("alternatives", "alternativeSlots"):
            case.body.pop(name, None)
        if "selected_slots" in case.body:
            case.body["selected_slots"] = [values["taken_slot"]]
        for name in ("phone", "phoneNumber"):
            if name in case.body:
                case.body[name] = "+51 912 345 678"
        if "business_id" in case.body:
            case.body["business_id"] = values["calendar_config"]
        return
    if "/public/" in case.path and "start" in case.body:
        case.body["start"] = world.free_slot
        case.body.pop("answers", None)
        if "phone" in case.body:
            case.body["phone"] = "+51 912 345 678"
    elif "/overrides/" in case.path:
        _hours_in_order(case.body, needed=case.body.get("available") is True)
    if isinstance(case.body.get("rules"), list):
        rules = [rule for rule in case.body["rules"] if isinstance(rule, dict)]
        for weekday, rule in enumerate(rules[:7]):
            rule["weekday"] = weekday
            _hours_in_order(rule, needed=True)
        case.body["rules"] = rules[:7]


def _dates_in_range(query: dict[str, Any]) -> None:
    start, end = _date(query.get("start")), _date(query.get("end"))
    if start and end:
        start, end = sorted(
            min(max(day, dt.date(1971, 1, 1)), dt.date(9998, 11, 30)) for day in (start, end)
        )
        query["start"], query["end"] = str(start), str(min(end, start + dt.timedelta(31)))


def _hours_in_order(body: dict[str, Any], *, needed: bool) -> None:
    start, end = body.get("start"), body.get("end")
    if "start" not in body and "end" not in body and not needed:
        return
    if not (isinstance(start, str) and isinstance(end, str)):
        start, end = ("09:00", "17:00") if needed or start or end else (None, None)
    start, end = sorted((start[:5], end[:5])) if start and end else (start, end)
    if start and start == end:
        start, end = "09:00", "17:00"
    body["start"], body["end"] = start, end


def test_every_operation_agrees_with_its_schema(world, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True  # the fuzz's receiver is on loopback
    app = get_wsgi_application()
    headers = {"Authorization": f"Token {world.staff_token}"}
    failures: dict[str, list[str]] = collections.defaultdict(list)
    statuses: dict[str, collections.Counter] = {}
    with in_test_transaction():
        schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", app)
        for result in schema.get_all_operations():
            operation = result.ok()
            label = f"{operation.method.upper()} {operation.path}"
            counts = statuses.setdefault(label, collections.Counter())
            own = {"X-Api-Key": world.path_values["api_key"]} if "/n8n/" in operation.path else {}
            strategy = operation.as_strategy(
                path_parameters=path_parameters(operation.path, world), headers={**headers, **own}
            )
            run_operation(strategy, world, counts, failures[label])
    broken = [f"{label}: {found[0]}" for label, found in failures.items() if found]
    assert broken == [], "\n".join(broken)
    rejecting = [
        f"{label}: {dict(counts)}"
        for label, counts in statuses.items()
        if acceptance(counts) < MIN_ACCEPTED
    ]
    assert rejecting == [], "\n".join(rejecting)


#: Answers (other than state answers) an operation needs before its ratio says anything.
MIN_JUDGED = 3


def acceptance(counts: collections.Counter) -> float:
    judged = {status: n for status, n in counts.items() if status not in STATE_STATUSES}
    accepted = sum(n for status, n in judged.items() if status < 400)
    total = sum(judged.values())
    return accepted / total if total >= MIN_JUDGED else 1.0


def summary(group: BaseExceptionGroup) -> str:
    """The failed checks in a line each: what broke and where in the schema."""
    lines = []
    for failure in group.exceptions:
        text = [line.strip() for line in str(failure).splitlines() if line.strip()]
        lines.append(" | ".join(text[:4])[:300])
    return " || ".join(lines)


def run_operation(strategy: Any, world: World, counts: collections.Counter, found: list) -> None:
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def examples(case: Any) -> None:
        ground(case, world)
        with transaction.atomic():
            response = case.call()
            transaction.set_rollback(True)
        counts[response.status_code] += 1
        try:
            case.validate_response(
                response, checks=[not_a_server_error, response_schema_conformance]
            )
        except BaseExceptionGroup as exc:  # the failed checks: recorded, the run goes on
            found.append(f"{response.status_code}: {summary(exc)}")

    examples()
