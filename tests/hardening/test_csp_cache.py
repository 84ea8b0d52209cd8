"""config.csp: the settings' policy is built once for ordinary responses, and is the very
header django-csp itself would write; nonces, per-view policies and settings changes still
go through."""

import pytest
from csp.constants import HEADER
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from django.http import HttpResponse
from django.test import RequestFactory

from config.csp import CSPMiddleware

pytestmark = pytest.mark.django_db


def header_of(middleware_class, *, use_nonce=False, **response_attrs):
    request = RequestFactory().get("/anything/")
    middleware = middleware_class(lambda request: HttpResponse("ok"))
    middleware.process_request(request)
    if use_nonce:
        str(request.csp_nonce)  # a template asked for it
    response = HttpResponse("ok")
    for name, value in response_attrs.items():
        setattr(response, name, value)
    return middleware.process_response(request, response).get(HEADER), request


def test_an_ordinary_response_gets_django_csps_own_header():
    ours, _ = header_of(CSPMiddleware)
    theirs, _ = header_of(DjangoCSPMiddleware)
    assert ours == theirs and "default-src 'self'" in ours


def test_a_nonce_used_by_the_page_is_in_its_header():
    header, request = header_of(CSPMiddleware, use_nonce=True)
    assert f"'nonce-{request._csp_nonce}'" in header


def test_a_per_view_policy_and_an_exemption_are_honoured():
    updated, _ = header_of(CSPMiddleware, _csp_update={"img-src": ["https://cdn.example"]})
    exempt, _ = header_of(CSPMiddleware, _csp_exempt=True)
    assert "https://cdn.example" in updated
    assert exempt is None


def test_a_settings_change_is_seen(settings):
    header_of(CSPMiddleware)  # cached
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    header, _ = header_of(CSPMiddleware)
    assert header == "default-src 'none'"


def test_asking_for_a_nonce_after_the_header_is_an_error():
    from csp.exceptions import CSPNonceError

    _, request = header_of(CSPMiddleware)
    with pytest.raises(CSPNonceError):
        str(request.csp_nonce)
