"""psycopg keeps the parsed form of the booking path's long statements (config.apps)."""

import pytest
from django.db import connection
from psycopg import _queries

from config.apps import CACHED_STATEMENT_PARAMS


@pytest.mark.django_db
def test_a_statement_with_more_than_50_parameters_is_parsed_once():
    assert _queries.MAX_CACHED_STATEMENT_PARAMS == CACHED_STATEMENT_PARAMS
    values = list(range(60))  # as many as a 54-column booking insert, or a team's ids
    sql = "SELECT %s" + ", %s" * (len(values) - 1)
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        parsed = _queries._query2pg.cache_info()
        cursor.execute(sql, values)
        again = _queries._query2pg.cache_info()

        assert cursor.fetchone() == tuple(values)
    assert (again.hits, again.misses) == (parsed.hits + 1, parsed.misses)
