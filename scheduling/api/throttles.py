"""Throttling of the public API (per client IP).

One class serves every public endpoint of every app: ``config.throttling.PublicThrottle``
(atomic fixed-window counts in Redis; lets requests through when the cache is down).
"""

from config.throttling import PublicThrottle

__all__ = ["PublicThrottle"]
