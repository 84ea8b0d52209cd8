"""The public API's throttles live in ``config.throttling`` (every public endpoint of every
app uses the same classes); re-exported here for the booking views."""

from config.throttling import BookingsPerIpThrottle, BookingsPerPageThrottle, PublicThrottle

__all__ = ["BookingsPerIpThrottle", "BookingsPerPageThrottle", "PublicThrottle"]
