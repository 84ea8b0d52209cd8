"""Public API URLs, included under /api/v1/public/."""

from django.urls import path, re_path

from scheduling.api.public import PublicNotFoundApi, PublicPageApi, PublicSlotsApi

urlpatterns = [
    path("pages/<slug:page>/", PublicPageApi.as_view(), name="public-page"),
    path(
        "pages/<slug:page>/<slug:meeting_type>/slots/",
        PublicSlotsApi.as_view(),
        name="public-slots",
    ),
]

#: Included LAST under /api/v1/public/: anything unmatched answers the 404 envelope.
fallback_urlpatterns = [re_path(r"^.*$", PublicNotFoundApi.as_view())]
