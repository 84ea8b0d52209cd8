"""Admin page "Check providers": the same checks as ``manage.py check_providers``, run when
a staff member presses the button (a POST: the checks call the providers)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse

from integrations.provider_checks import configured, run_checks


def provider_check_view(request: HttpRequest) -> TemplateResponse:
    results = run_checks() if request.method == "POST" else None
    context = {
        **admin.site.each_context(request),
        "title": "Check providers",
        "providers": [name for name, _ in configured()],
        "results": results,
        "failed": sum(1 for r in results or [] if not r.ok),
    }
    return TemplateResponse(request, "admin/integrations/provider_check.html", context)
