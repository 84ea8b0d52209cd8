"""What every provider adapter raises. Outbox workers retry transient errors, stop on
permanent ones."""


class ProviderError(Exception):
    def __init__(self, provider: str, message: str) -> None:
        super().__init__(f"{provider}: {message}")
        self.provider = provider
        self.message = message


class ProviderTransientError(ProviderError):
    """Worth retrying: 5xx, 429, timeouts, connection errors. ``retry_after`` in seconds when
    the provider said (Retry-After)."""

    def __init__(self, provider: str, message: str, retry_after: float | None = None) -> None:
        super().__init__(provider, message)
        self.retry_after = retry_after


class ProviderPermanentError(ProviderError):
    """Retrying will not help: bad request, revoked grant, missing object."""
