"""`make faults`: a bounded fault drill on this machine, loopback only.

The app runs as in production — gunicorn (2 workers × 4 threads), a real Celery worker on
RabbitMQ, PostgreSQL and Redis — with the email outbox delivering to a local fake Postmark
that counts every message. Each drill books while a fault strikes, recovers, lets the
outbox drain (the drill sends the sweep beat would send), then checks:

- no booking lost: every 201 answered is a confirmed booking in the database;
- no double booking: no two confirmed bookings of a seller overlap (buffers included);
- every outbox job done, and exactly one confirmation email per booking at the fake;
- the app answering again (`/ready/` 200) within a few seconds of the recovery.

Drills: Redis stopped mid-load; the broker stopped and started again; a worker killed
mid-job (its lease runs out, the sweep reclaims the job); PostgreSQL restarted mid-load.

PostgreSQL and Redis are private instances started here (ports 5499 and 6399, data in a
temporary directory, removed at the end), so the machine's own are never touched. The
broker is the machine's RabbitMQ (a queue of the drill's own): the broker drill stops its
application for a few seconds with `rabbitmqctl stop_app` / `start_app`. Needs root (the
private PostgreSQL runs as the `postgres` user). Prints a table; exits 1 when a check fails.
Every loop is bounded in count and time. Never part of `make test`.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import django_env

ROOT = django_env.ROOT
sys.path.insert(0, str(ROOT))
from tests.integrations.fake_postmark import FakePostmark  # noqa: E402

PG_BIN = Path("/usr/lib/postgresql") / sorted(os.listdir("/usr/lib/postgresql"))[-1] / "bin"
PG_PORT, REDIS_PORT = 5499, 6399
BROKER = "amqp://guest:guest@127.0.0.1:5672//"
QUEUE = f"faults-{uuid.uuid4().hex[:8]}"
WORK = Path(tempfile.mkdtemp(prefix="meetroute-faults-"))
BOOKINGS_PER_DRILL = 24
FAULT_SECONDS = 4.0
ANSWER_AGAIN_WITHIN_S = 15.0


def sh(*command: str | Path, user: str | None = None) -> None:
    prefix = ["runuser", "-u", user, "--"] if user else []
    subprocess.run([*prefix, *map(str, command)], check=True, capture_output=True)


class Postgres:
    """A private cluster: initdb once, then start / restart / stop with pg_ctl."""

    def __init__(self) -> None:
        self.data = WORK / "pg"
        options = f"-p {PG_PORT} -k {WORK} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.ctl = [PG_BIN / "pg_ctl", "-D", self.data, "-o", options, "-l", WORK / "pg.log"]

    def start(self) -> None:
        shutil.chown(WORK, "postgres")
        sh(PG_BIN / "initdb", "-D", self.data, "-A", "trust", "-U", "postgres", user="postgres")
        sh(*self.ctl, "-w", "start", user="postgres")

    def restart(self) -> None:
        sh(*self.ctl, "-m", "fast", "-w", "restart", user="postgres")

    def stop(self) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", *map(str, self.ctl), "-m", "immediate",
                        "stop"], capture_output=True)  # fmt: skip


class Redis:
    def start(self) -> None:
        sh("redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--daemonize",
           "yes", "--save", "", "--appendonly", "no", "--dir", WORK,
           "--logfile", WORK / "redis.log")  # fmt: skip
        wait(lambda: _port_open(REDIS_PORT), 10, "Redis")

    def stop(self) -> None:
        subprocess.run(["redis-cli", "-p", str(REDIS_PORT), "shutdown", "nosave"],
                       capture_output=True)  # fmt: skip


class Broker:
    """The machine's RabbitMQ application, stopped and started in place."""

    def stop(self) -> None:
        sh("rabbitmqctl", "stop_app")

    def start(self) -> None:
        sh("rabbitmqctl", "start_app")
        wait(lambda: _port_open(5672), 30, "RabbitMQ")


class Worker:
    """`celery -A config worker` on the drill's queue, in its own process group."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Worker:
        command = [str(Path(sys.executable).with_name("celery")), "-A", "config", "worker",
                   "-Q", QUEUE, "-n", f"faults-{uuid.uuid4().hex[:6]}@%h", "--concurrency=2",
                   "--without-gossip", "--without-mingle", "--loglevel=WARNING"]  # fmt: skip
        log = open(WORK / "worker.log", "a")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(
            command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        return self

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, 9)
            self.proc.wait()


def _port_open(port: int) -> bool:
    import socket

    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def wait(condition: Callable[[], bool], seconds: float, what: str) -> float:
    """Poll until ``condition``; the seconds it took. Raises after ``seconds``."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        try:
            if condition():
                return time.monotonic() - started
        except Exception:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{what} not back within {seconds:g} s")


@dataclass
class Outcome:
    name: str
    statuses: dict[str, int] = field(default_factory=dict)
    answered_again_s: float | None = None
    failures: list[str] = field(default_factory=list)

    def line(self) -> str:
        codes = " ".join(f"{k}×{v}" for k, v in sorted(self.statuses.items()))
        again = "-" if self.answered_again_s is None else f"{self.answered_again_s:.1f}"
        verdict = "ok" if not self.failures else "FAILED: " + "; ".join(self.failures)
        return f"{self.name:<28} {codes:<34} {again:>8}  {verdict}"


class Drill:
    def __init__(self, port: int, fake: FakePostmark) -> None:
        self.port, self.fake = port, fake
        self.starts = self._free_starts()
        self.round = 0

    def _free_starts(self) -> list[str]:
        with urllib.request.urlopen(self.url(SLOTS), timeout=30) as answer:
            return [start for day in json.load(answer)["days"] for start in day["slots"]]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def run(self, name: str, strike: Callable[[], None], recover: Callable[[], None]) -> Outcome:
        import http_load

        self.round += 1
        emails = [f"drill{self.round}-{n}@example.com" for n in range(BOOKINGS_PER_DRILL)]
        starts = [self.starts.pop(0) for _ in emails]
        # A race on top: six more clients want the first start of the round (3 sellers).
        bodies = [(s, e) for s, e in zip(starts, emails, strict=True)]
        bodies += [(starts[0], f"drill{self.round}-race{n}@example.com") for n in range(6)]
        requests = [
            http_load.Request("POST", BOOK, json.dumps({"start": s, "timezone": ZONE,
                              "name": "Drill", "email": e}).encode())
            for s, e in bodies
        ]  # fmt: skip
        outcome = Outcome(name)
        load = threading.Thread(target=self._load, args=(requests, outcome))
        load.start()
        time.sleep(0.1)  # the 30 bookings take ~0.4 s: strike while they are under way
        strike()
        time.sleep(FAULT_SECONDS)
        recover()
        try:
            outcome.answered_again_s = wait(self._ready, ANSWER_AGAIN_WITHIN_S, "the app")
        except TimeoutError as exc:
            outcome.failures.append(str(exc))
        load.join(timeout=120)
        self._drain(outcome)
        self._check(outcome, f"drill{self.round}-")
        return outcome

    def _load(self, requests: list, outcome: Outcome) -> None:
        import http_load

        result = asyncio.run(http_load.run(
            "drill", self.port, lambda n: requests[n] if n < len(requests) else None,
            connections=6, total=len(requests), seconds=90,
        ))  # fmt: skip
        outcome.statuses = {str(k): v for k, v in result.statuses.items()}

    def _ready(self) -> bool:
        with urllib.request.urlopen(self.url("/ready/"), timeout=2) as answer:
            return bool(answer.status == 200)

    def _drain(self, outcome: Outcome) -> None:
        from django.db import connection

        from bookings.outbox.models import SyncJob
        from bookings.outbox.tasks import sweep_sync_jobs

        connection.close()  # this process's own connection may not have survived the drill

        last_sweep = 0.0

        def drained() -> bool:
            nonlocal last_sweep
            if not SyncJob.objects.exclude(status=SyncJob.Status.DONE).exists():
                return True
            if time.monotonic() - last_sweep > 3:  # what beat sends, once a minute
                sweep_sync_jobs.delay()
                last_sweep = time.monotonic()
            return False

        try:
            wait(drained, 90, "the outbox")
        except TimeoutError as exc:
            outcome.failures.append(str(exc))

    def _check(self, outcome: Outcome, prefix: str) -> None:
        from django.db import connection

        from bookings.models import Booking

        booked = set(
            Booking.objects.filter(email__startswith=prefix, status="confirmed").values_list(
                "email", flat=True
            )
        )
        if outcome.statuses.get("201", 0) != len(booked):
            outcome.failures.append(f"{outcome.statuses.get('201', 0)} × 201 but {len(booked)} "
                                    "confirmed")  # fmt: skip
        with connection.cursor() as cursor:
            cursor.execute(OVERLAPS)
            if overlaps := cursor.fetchone()[0]:
                outcome.failures.append(f"{overlaps} overlapping bookings")
        sent = [e.to for e in self.fake.sent if e.to.startswith(prefix)]
        if sorted(sent) != sorted(booked):
            outcome.failures.append(f"{len(sent)} confirmations for {len(booked)} bookings")


ZONE = "America/New_York"
SLOTS = BOOK = ""  # set once the page exists
OVERLAPS = """
    SELECT count(*) FROM bookings_booking a JOIN bookings_booking b
      ON a.seller_id = b.seller_id AND a.id < b.id
     WHERE a.status = 'confirmed' AND b.status = 'confirmed'
       AND a.blocked_start < b.blocked_end AND b.blocked_start < a.blocked_end
"""


def seed() -> None:
    """A 3-seller round-robin team page, free every weekday 09:00–17:00 New York."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    from tests.factories import (
        AvailabilityRuleFactory,
        MeetingTypeFactory,
        PageFactory,
        SellerFactory,
        TeamFactory,
    )

    global SLOTS, BOOK
    sellers = [SellerFactory(timezone=ZONE) for _ in range(3)]
    for seller in sellers:
        for weekday in range(7):
            AvailabilityRuleFactory(seller=seller, weekday=weekday, start=dt.time(8),
                                    end=dt.time(20))  # fmt: skip
    page = PageFactory(seller=None, team=TeamFactory(sellers=sellers), routing="round_robin")
    meeting = MeetingTypeFactory(page=page, max_bookings_per_email=1000)
    first = timezone.now().astimezone(ZoneInfo(ZONE)).date() + dt.timedelta(days=1)
    base = f"/api/v1/public/pages/{page.slug}/{meeting.slug}"
    SLOTS = f"{base}/slots/?start={first}&end={first + dt.timedelta(days=20)}&timezone={ZONE}"
    BOOK = f"{base}/bookings/"


def main() -> int:
    import load

    postgres, redis, broker = Postgres(), Redis(), Broker()
    worker, server = Worker(), None
    if not _port_open(5672):
        print("RabbitMQ is not running on 127.0.0.1:5672 (`bash .ci/services` starts it)")
        return 1
    outcomes: list[Outcome] = []
    try:
        postgres.start()
        redis.start()
        with FakePostmark() as fake:
            os.environ.update({
                "DATABASE_URL": f"postgres://postgres@127.0.0.1:{PG_PORT}/postgres",
                "REDIS_URL": f"redis://127.0.0.1:{REDIS_PORT}/0",
                "DJANGO_SETTINGS_MODULE": "tests.integrations.celery_worker_settings",
                "DJANGO_DEBUG": "true",
                "CELERY_BROKER_URL": BROKER,
                "OUTBOX_TEST_QUEUE": QUEUE,
                "ANYMAIL_POSTMARK_SERVER_TOKEN": FakePostmark.token,
                "ANYMAIL_POSTMARK_API_URL": fake.url + "/",
                "LOG_LEVEL": "ERROR",
            })  # fmt: skip
            django_env.setup_django()
            seed()
            worker.start()
            port = load.free_port()
            server = load.start_gunicorn(port)
            load.wait_until_up(port, server)
            drill = Drill(port, fake)
            print(f"{'drill':<28} {'answers':<34} {'again s':>8}  checks", flush=True)
            drills = (
                ("Redis stopped mid-load", redis.stop, redis.start),
                ("broker stopped, restarted", broker.stop, broker.start),
                ("worker killed mid-job", lambda: _kill_mid_job(fake, worker), worker.start),
                ("PostgreSQL restarted", postgres.restart, lambda: None),
            )
            only = [int(n) for n in os.environ.get("FAULTS_ONLY", "").split(",") if n]
            for number, (name, strike, recover) in enumerate(drills, 1):
                if only and number not in only:
                    continue
                outcomes.append(drill.run(name, strike, recover))
                print(outcomes[-1].line(), flush=True)
    finally:
        if server is not None:
            load.stop(server)
        worker.kill()
        if not _port_open(5672):
            broker.start()
        subprocess.run(["rabbitmqctl", "delete_queue", QUEUE], capture_output=True)
        redis.stop()
        postgres.stop()
        if os.environ.get("FAULTS_KEEP"):
            print(f"kept {WORK}")
        else:
            shutil.rmtree(WORK, ignore_errors=True)
    return 1 if any(o.failures for o in outcomes) else 0


def _kill_mid_job(fake: FakePostmark, worker: Worker) -> None:
    """Hold the next message at the ESP, and kill the worker while it waits for the answer."""
    before = len(fake.requests)
    fake.hang_next(1, seconds=8)
    wait(lambda: len(fake.requests) > before, 20, "a job in flight")
    worker.kill()


if __name__ == "__main__":
    sys.exit(main())
