"""The warm `GET …/slots/`: served from the slot cache before most of the stack runs.

A public page asks for the same month again and again; once an answer is cached under its
URL (`PublicSlotsApi` stores it), answering it needs no database, no DRF request, no
serializer and one cache round trip (`scheduling.cache.request_answer`: its version
tokens, the answer itself kept by the process). The middleware
sits after the request id, security and CSP middleware, so those headers are set as on any
answer; it adds what the skipped layers would (DRF's `Allow` and `Vary`, the frame options,
the length), counts the request against the public throttle and checks the Host header.
Anything else — another method, an `Accept` it cannot promise JSON for, a throttled
client (the view answers its 429), a miss — goes on down the stack unchanged.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from scheduling import cache as slot_cache
from scheduling.api.public import PublicSlotsApi, slots_request_key, slots_response
from scheduling.api.throttles import PublicThrottle
from scheduling.selectors import SlotsAnswer

_SUFFIX = "/slots/"


class WarmSlotsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        view = PublicSlotsApi()
        view.setup(HttpRequest())  # as as_view() does: HEAD is allowed as GET is
        # What DRF's finalize_response adds to every answer of the view (Allow, Vary).
        self.view_headers = dict(view.default_response_headers)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "GET" and request.path_info.endswith(_SUFFIX):
            response = self.warm_response(request)
            if response is not None:
                return response
        return self.get_response(request)

    def warm_response(self, request: HttpRequest) -> HttpResponse | None:
        """The cached answer to `request` with every header the full stack would give it,
        or None to let the stack answer."""
        # No URL resolving: only `PublicSlotsApi` stores answers under a request key, so a
        # hit is one of its URLs, and another path ending in /slots/ just misses.
        if not _accepts_json(request.headers.get("Accept", "")):
            return None
        request.get_host()  # ALLOWED_HOSTS, as CommonMiddleware would check it
        if not PublicThrottle().allow_request(request, None):
            return None  # counted; the view answers 429 without counting again
        answer = slot_cache.request_answer(slots_request_key(request, time.time()))
        if answer is None:
            return None
        response = slots_response(request, SlotsAnswer(*answer))
        for name, value in self.view_headers.items():
            response[name] = value
        response.headers.setdefault("X-Frame-Options", settings.X_FRAME_OPTIONS.upper())
        response.headers.setdefault("Content-Length", str(len(response.content)))
        return response


def _accepts_json(accept: str) -> bool:
    """True when DRF's content negotiation would pick its JSON renderer or any renderer at
    all (the view answers JSON bytes whichever it picks); other cases go to DRF (406)."""
    return not accept or "*/*" in accept or "application/json" in accept
