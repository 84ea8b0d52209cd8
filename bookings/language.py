"""Which language a public page speaks, and who may frame it.

Language, first match wins: ``?lang=xx`` (the switcher's links, the embed's ``data-lang``),
the cookie a ``?lang`` choice leaves, the browser's ``Accept-Language``, the page's
``default_language``. Only the public pages choose this way: the back office and the API
stay in ``LANGUAGE_CODE``, so this is a decorator on those views rather than Django's
``LocaleMiddleware`` (which knows nothing of the page's default).
"""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation.trans_real import parse_accept_lang_header

PARAM = "lang"
SUPPORTED = tuple(code for code, _ in settings.LANGUAGES)
COOKIE_MAX_AGE = 365 * 24 * 3600


def supported(code: str | None) -> str | None:
    """``code`` (``es``, ``es-PE``, ``ES``) as one of our languages, or None."""
    base = (code or "").strip().lower().split("-")[0]
    return base if base in SUPPORTED else None


def from_accept_language(header: str) -> str | None:
    """The first language of an ``Accept-Language`` header we speak (by q-value)."""
    for code, _ in parse_accept_lang_header(header):
        found = supported(code)
        if found:
            return found
    return None


def choose(request: HttpRequest, default: str | None = None) -> str:
    """The language ``request`` is answered in; ``default``: the page's."""
    return (
        supported(request.GET.get(PARAM))
        or supported(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
        or from_accept_language(request.headers.get("Accept-Language", ""))
        or supported(default)
        or settings.LANGUAGE_CODE
    )


def use_page_language(request: HttpRequest, default: str) -> str:
    """Switch the rest of this request to the visitor's language, given the page's default."""
    language = choose(request, default)
    translation.activate(language)
    request.LANGUAGE_CODE = language
    return language


def frame_for(response: HttpResponse, origins: list[str]) -> HttpResponse:
    """Let ``origins`` (a page's embed origins) frame ``response``; with none, nobody may.

    CSP ``frame-ancestors`` is what browsers enforce; X-Frame-Options cannot name origins,
    so it is dropped only when the CSP allows someone (and stays DENY otherwise).
    """
    if origins:
        response._csp_replace = {"frame-ancestors": list(origins)}  # type: ignore[attr-defined]
        response.xframe_options_exempt = True  # type: ignore[attr-defined]
    return response


def public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A public page view: rendered in ``choose(request)`` until the view calls
    ``use_page_language`` with its page's default; remembers a ``?lang`` choice in the
    language cookie; says which language it used (``Content-Language``). The thread goes
    back to the default afterwards, so nothing leaks into the next request."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        use_page_language(request, settings.LANGUAGE_CODE)
        try:
            response = view(request, *args, **kwargs)
        finally:
            translation.deactivate()
        picked = supported(request.GET.get(PARAM))
        if picked:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                picked,
                max_age=COOKIE_MAX_AGE,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response

    return wrapper
