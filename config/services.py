"""Fail fast, with a fix, when the test suite's PostgreSQL or Redis is not reachable.

Run as ``python -m config.services`` (``make test`` does, after ``.ci/services`` started
what it could).
"""

import os
import socket
import sys
from urllib.parse import urlparse

HOW_TO_START = (
    "Start them with `docker compose up -d postgres redis` (RabbitMQ: `docker run -d -p "
    "5672:5672 rabbitmq:3`), or install Debian's postgresql, redis-server and "
    "rabbitmq-server: `make test` starts them when they are installed but stopped (as root; "
    "`bash .ci/services` prints the commands otherwise)."
)


def reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), 2
        ):
            return True
    except OSError:
        return False


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
    import config.settings_test  # noqa: F401  (sets the default URLs)

    missing = [
        f"{name} at {url}"
        for name, url, port in (
            ("PostgreSQL", os.environ["DATABASE_URL"], 5432),
            ("Redis", os.environ["REDIS_URL"], 6379),
            # The outbox test with a real Celery worker uses this broker.
            (
                "RabbitMQ",
                os.environ.get("OUTBOX_TEST_BROKER", "amqp://guest:guest@127.0.0.1:5672//"),
                5672,
            ),
        )
        if not reachable(url, port)
    ]
    if missing:
        print(f"Cannot reach {' and '.join(missing)}. {HOW_TO_START}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
