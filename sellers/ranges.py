"""Rows whose stored ``[start, end)`` overlaps a window, in the form an index can answer.

``start < until AND end > since`` bounds only one column per side, so a B-tree scans every
row before ``until`` (the whole history of a team). On PostgreSQL the test is written as
``TSTZRANGE(start, end, '[)') && <window>``, the expression of the GiST indexes over
(seller, span): the booking exclusion constraint's (bookings 0002/0012) and busy time's
(sellers 0005), so the planner reads only the rows around the window.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.postgres.fields import DateTimeRangeField
from django.db import connections
from django.db.models import F, Func, Q, QuerySet, Value


def span(start: str, end: str) -> Func:
    """``TSTZRANGE(start, end, '[)')`` over two columns."""
    return Func(
        F(start), F(end), Value("[)"), function="TSTZRANGE", output_field=DateTimeRangeField()
    )


def overlapping(
    queryset: QuerySet[Any],
    start: str,
    end: str,
    since: dt.datetime,
    until: dt.datetime,
    *,
    name: str = "span",
) -> tuple[QuerySet[Any], Q]:
    """``queryset`` (with the span aliased as ``name`` on PostgreSQL) and the condition
    that keeps its rows whose ``[start, end)`` overlaps ``[since, until)``; the caller
    filters with it, alone or inside a larger condition."""
    if connections[queryset.db].vendor != "postgresql":
        return queryset, Q(**{f"{start}__lt": until, f"{end}__gt": since})
    # The window built in SQL from its two instants, so each is a plain parameter
    # (config.shaped puts new values there).
    window = Func(
        Value(since),
        Value(until),
        Value("[)"),
        function="TSTZRANGE",
        output_field=DateTimeRangeField(),
    )
    return queryset.alias(**{name: span(start, end)}), Q(**{f"{name}__overlap": window})
