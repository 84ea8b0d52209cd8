"""Writing down what a provider has already done, through a database restart.

Once an ESP accepted an email, an SMS gateway a text, or a CRM created a record, the job
must record it, or its retry does it again. A restart or failover of PostgreSQL at that
moment made the write fail and the job run again: every message sent in that second went
out twice (the fault drill of `make faults` showed it). The write is tried again on a new
connection for up to `RECORD_SECONDS`; only an outage longer than that, or a worker killed
in between, still repeats the side effect (at least once, never lost).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import InterfaceError, OperationalError, connection

logger = logging.getLogger(__name__)

RECORD_SECONDS = 30.0  # longer than a restart or a managed failover usually takes
T = TypeVar("T")


def after_side_effect(write: Callable[[], T]) -> T:
    """``write()``, again on a fresh connection while the database is unreachable, for up to
    `RECORD_SECONDS`. Inside a transaction it runs once (a broken transaction cannot be
    resumed: the caller's retry covers it)."""
    deadline = time.monotonic() + RECORD_SECONDS
    delay = 0.1
    while True:
        try:
            return write()
        except (OperationalError, InterfaceError) as exc:
            if connection.in_atomic_block or time.monotonic() + delay > deadline:
                raise
            logger.warning("recording a side effect: database unreachable (%s); retrying", exc)
            connection.close()
            time.sleep(delay)
            delay = min(2 * delay, 2.0)
