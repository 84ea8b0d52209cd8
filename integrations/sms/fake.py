"""An in-memory SMS sender (the embedded default logs texts instead of sending them)."""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass, field

from integrations.sms.base import SentSms

logger = logging.getLogger(__name__)


@dataclass
class FakeSms:
    name: str = "fake"
    sent: list[SentSms] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def send(self, to: str, body: str, *, status_callback: str = "") -> SentSms:
        message = SentSms(sid=f"SMfake{next(self._ids):08d}", to=to, body=body)
        self.sent.append(message)
        logger.info("SMS to %s: %s", to, body)
        return message
