"""The public API's throttle lives in ``config.throttling`` (every public endpoint of every
app uses the same class); re-exported here for the booking views."""

from config.throttling import PublicThrottle

__all__ = ["PublicThrottle"]
