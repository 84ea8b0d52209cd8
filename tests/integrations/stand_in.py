"""A scripted stand-in for a provider handler, for tests of the outbox worker itself.

Provider adapters are tested against their fake HTTP servers; the worker's own rules
(claiming, backoff, flags, circuit) are tested with this: each call records the job and
pops the next scripted outcome (an exception to raise, a callable given the job, or None
for success).
"""

from __future__ import annotations

import threading

from bookings.outbox.models import SyncJob


class StandIn:
    def __init__(self) -> None:
        self.calls: list[str] = []
        self.script: list = []  # exceptions to raise, callables(job), None for success
        self.pause: threading.Event | None = None
        self.entered = threading.Event()

    def __call__(self, job: SyncJob) -> None:
        self.calls.append(str(job.pk))
        self.entered.set()
        if self.pause is not None:
            self.pause.wait(10)
        outcome = self.script.pop(0) if self.script else None
        if callable(outcome) and not isinstance(outcome, BaseException):
            outcome(job)
        elif outcome is not None:
            raise outcome


current = StandIn()


def handle(job: SyncJob) -> None:
    current(job)
