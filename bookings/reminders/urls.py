"""Twilio's webhooks under `/integrations/twilio/` (config/urls.py includes this)."""

from django.urls import path

from bookings.reminders import views

urlpatterns = [
    path("sms/", views.sms_inbound, name="twilio-sms"),
    path("sms/status/", views.sms_status, name="twilio-sms-status"),
]
