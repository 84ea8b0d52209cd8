"""Admin sign-in: brute-force lockout (django-axes) and an optional TOTP second factor
(django-otp, on when ``ADMIN_REQUIRE_OTP`` is set)."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.admin import AdminSite
from django.http import HttpRequest
from django.urls import path
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite

from config.throttling import PublicThrottle


def client_ip(request: HttpRequest) -> str:
    """The address axes counts failures by: the same as the API throttle's (X-Forwarded-For
    only behind NUM_PROXIES proxies), so a proxy's own address never locks everyone out."""
    return PublicThrottle().get_ident(request)


class LockoutBackend(AxesStandaloneBackend):
    """Axes' lockout for every sign-in that comes with a request.

    Without a request there is no remote guesser to stop (the test client's ``login()``,
    a shell, a management command), and axes would refuse outright; those fall through
    to the model backend."""

    def authenticate(self, request: HttpRequest | None, *args: Any, **kwargs: Any) -> Any:
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)


class MeetrouteAdminSite(OTPAdminSite):
    """The admin: with ``ADMIN_REQUIRE_OTP`` on, staff must also be verified by a
    registered OTP device (the login form asks for the code); off, the plain admin."""

    def __init__(self, name: str = "admin") -> None:
        super().__init__(name)

    @property
    def login_form(self) -> Any:  # type: ignore[override]
        return OTPAdminAuthenticationForm if settings.ADMIN_REQUIRE_OTP else None

    @property
    def login_template(self) -> Any:  # type: ignore[override]
        return OTPAdminSite.login_template if settings.ADMIN_REQUIRE_OTP else None

    def has_permission(self, request: HttpRequest) -> bool:
        if settings.ADMIN_REQUIRE_OTP:
            return super().has_permission(request)
        return AdminSite.has_permission(self, request)

    # The back office (config/backoffice): the index shows the today board to staff and a
    # seller their own page, above the app list; its pages live under /admin/backoffice/.
    index_template = "admin/backoffice/index.html"

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        from config.backoffice.views import index_context  # the models are loaded by now

        return super().index(request, {**index_context(request), **(extra_context or {})})

    def get_urls(self) -> list[Any]:
        from config.backoffice import views

        wrap = self.admin_view
        return [
            path("backoffice/analytics/", wrap(views.analytics_view), name="backoffice_analytics"),
            path("backoffice/what-if/", wrap(views.whatif_view), name="backoffice_whatif"),
            path(
                "backoffice/retry/<uuid:booking_id>/",
                wrap(views.retry_sync_view),
                name="backoffice_retry",
            ),
            *super().get_urls(),
        ]
