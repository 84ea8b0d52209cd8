"""The SMS boundary: send one text to one E.164 number, get the provider's message id."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class SentSms:
    sid: str
    to: str
    body: str


class SmsSender(Protocol):
    name: str

    def send(self, to: str, body: str, *, status_callback: str = "") -> SentSms:
        """Send ``body`` to ``to`` (E.164). Not idempotent by itself: callers record the
        returned sid and check it before sending again. ``status_callback``: where the
        provider posts delivery status changes."""
        ...
