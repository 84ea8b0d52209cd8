"""``manage.py rebuild_metrics --start 2026-01-01 --end 2026-01-31``: recount SellerMetric."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bookings import metrics


class Command(BaseCommand):
    help = "Recompute the seller metrics of the local dates [start, end] from the bookings."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--start", type=dt.date.fromisoformat, required=True)
        parser.add_argument("--end", type=dt.date.fromisoformat, required=True)

    def handle(self, *args: Any, start: dt.date, end: dt.date, **options: Any) -> None:
        if end < start:
            raise CommandError("--end comes before --start.")
        rows = metrics.rebuild(start=start, end=end)
        self.stdout.write(f"Rebuilt {rows} metric rows for {start} … {end}.")
