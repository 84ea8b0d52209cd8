"""An in-memory email sender for service tests: keeps what was sent, can be told to fail."""

from __future__ import annotations

from integrations.base import ProviderError
from integrations.email.base import OutgoingEmail


class FakeEmailSender:
    def __init__(self) -> None:
        self.sent: list[OutgoingEmail] = []
        self.failures: list[ProviderError] = []

    def fail_next(self, error: ProviderError) -> None:
        self.failures.append(error)

    def send(self, email: OutgoingEmail) -> str | None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(email)
        return f"fake-{len(self.sent)}"
