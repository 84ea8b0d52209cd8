"""Public waitlist API, included under /api/v1/public/ (before the 404 fallback)."""

from django.urls import path

from waitlist.api import public

urlpatterns = [
    path(
        "pages/<slug:page>/<slug:meeting_type>/waitlist/",
        public.WaitlistJoinApi.as_view(),
        name="public-waitlist-join",
    ),
    path("waitlist/<str:token>/", public.WaitlistEntryApi.as_view(), name="public-waitlist"),
    path(
        "waitlist/<str:token>/confirm/",
        public.WaitlistConfirmApi.as_view(),
        name="public-waitlist-confirm",
    ),
    path(
        "waitlist/<str:token>/accept/",
        public.WaitlistAcceptApi.as_view(),
        name="public-waitlist-accept",
    ),
    path(
        "waitlist/<str:token>/decline/",
        public.WaitlistDeclineApi.as_view(),
        name="public-waitlist-decline",
    ),
    path(
        "waitlist/<str:token>/cancel/",
        public.WaitlistCancelApi.as_view(),
        name="public-waitlist-cancel",
    ),
]
