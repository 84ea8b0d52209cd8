"""Hot reads whose SQL the ORM builds once per process and shape, then runs with new values.

Building and compiling a queryset can cost more Python time than running it: the booking
path's re-check under the seller's lock takes ~1.5 ms to build and compile and ~0.5 ms to
run. `Shaped` builds a read once per *shape* (what changes its SQL text: the optional parts
the caller names in ``shape``, the length of every list value) with stand-in values, finds
where each stand-in landed among the compiled parameters, and from then on sends the same
SQL with the real values in those places. On PostgreSQL; elsewhere (the SQLite default)
the queryset is built with the real values and evaluated as usual.

For reads whose values reach the SQL as parameters unchanged (UUIDs, aware datetimes,
strings, ints, lists of them) and whose rows need no converter beyond what psycopg returns
(booleans, numbers, text, UUIDs, datetimes, arrays; not JSON). A value the ORM folded into
the SQL text instead raises at the first build, so a misuse shows in the first test.

Part of the shared kernel: it imports nothing of ours.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Callable, Hashable
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet

#: (SQL, parameters with the stand-ins, where each value goes: (position, name, index in
#: a list value or None)).
Compiled = tuple[str, tuple[Any, ...], tuple[tuple[int, str, int | None], ...]]


class Shaped:
    """One read: ``build(shape, **values)`` returns a ``values_list`` queryset of it."""

    def __init__(self, build: Callable[..., QuerySet[Any]]) -> None:
        self._build = build
        self._compiled: dict[Hashable, Compiled | None] = {}  # None: matches nothing

    def rows(self, shape: Hashable = (), **values: Any) -> list[tuple[Any, ...]]:
        """The rows of ``build(shape, **values)``. ``shape``: whatever else the SQL text
        depends on (which optional filters ``build`` adds: values that are None, limits
        written into the SQL); list lengths are added here."""
        if connection.vendor != "postgresql":
            return list(self._build(shape, **values))
        lengths = tuple(
            (name, len(value)) for name, value in values.items() if isinstance(value, list)
        )
        key = (shape, lengths)
        if key not in self._compiled:
            try:
                self._compiled[key] = self._compile(shape, values)
            except EmptyResultSet:  # e.g. an empty IN list: no rows, as the ORM answers
                self._compiled[key] = None
        compiled = self._compiled[key]
        if compiled is None:
            return []
        sql, template, places = compiled
        params = list(template)
        for position, name, index in places:
            params[position] = values[name] if index is None else values[name][index]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def _compile(self, shape: Hashable, values: dict[str, Any]) -> Compiled:
        stand_ins = {name: _stand_in(value) for name, value in values.items()}
        queryset = self._build(shape, **stand_ins)
        sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
        wanted: dict[Any, tuple[str, int | None]] = {}
        for name, stand_in in stand_ins.items():
            if isinstance(stand_in, list):
                wanted.update({item: (name, index) for index, item in enumerate(stand_in)})
            else:
                wanted[stand_in] = (name, None)
        places = tuple(
            (position, *wanted[param])
            for position, param in enumerate(params)
            if _hashable(param) and param in wanted
        )
        missing = set(wanted.values()) - {(name, index) for _, name, index in places}
        if missing:
            raise ValueError(f"values not passed as SQL parameters: {sorted(map(str, missing))}")
        return sql, tuple(params), places


def _stand_in(value: Any) -> Any:
    """A value of the same type that nothing else in a query can equal."""
    if isinstance(value, list):
        return [_stand_in(item) for item in value]
    if isinstance(value, uuid.UUID):
        return uuid.uuid4()
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return dt.datetime(1901, 1, 1, tzinfo=dt.UTC) + dt.timedelta(
            microseconds=secrets.randbits(50)
        )
    if isinstance(value, str):
        return f"stand-in-{secrets.token_hex(8)}"
    if isinstance(value, int) and not isinstance(value, bool):
        return secrets.randbits(62)
    raise TypeError(f"no stand-in for {type(value).__name__}: pass it in the shape instead")


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True
