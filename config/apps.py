from django.apps import AppConfig


class ProjectConfig(AppConfig):
    """The top layer: management commands (seed_demo) and process-wide tuning."""

    name = "config"
    verbose_name = "Meetroute"

    def ready(self) -> None:
        cache_long_statements()


#: Statements with more parameters than psycopg's own limit (50) whose parsed form is kept.
CACHED_STATEMENT_PARAMS = 1000


def cache_long_statements() -> None:
    """Let psycopg keep the parsed form of statements with up to `CACHED_STATEMENT_PARAMS`
    parameters.

    psycopg parses a statement's text for its placeholders at every execution unless it
    has at most 50 parameters (and 4 KB), a guard against ORMs' ever-different bulk
    inserts. The booking path's own statements pass it (a booking row has 54 columns; a
    50-seller team's reads list 50 ids): 5 parses per booking, 5–9 % of a gunicorn
    worker's Python time under load. Their texts are few (one per statement and team
    size), and psycopg keeps the 128 most recent (LRU). The limit is a module constant of
    psycopg's (``psycopg._queries``); left alone if a version lacks it.
    """
    try:
        from psycopg import _queries
    except ImportError:  # SQLite only
        return
    if hasattr(_queries, "MAX_CACHED_STATEMENT_PARAMS"):
        _queries.MAX_CACHED_STATEMENT_PARAMS = max(
            _queries.MAX_CACHED_STATEMENT_PARAMS, CACHED_STATEMENT_PARAMS
        )
