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


class ProviderAccountError(ProviderPermanentError):
    """The provider refuses the person the call is for (a missing access policy, a user not in
    the tenant): nothing about this booking is wrong, the account must be fixed at the
    provider. Callers record it on that person, not only on the job."""
