"""The public waitlist page under ``/waitlist/``."""

from django.urls import path

from waitlist import views

app_name = "waitlist"

urlpatterns = [path("<str:token>/", views.entry_view, name="entry")]
