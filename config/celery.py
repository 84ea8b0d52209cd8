"""The Celery app: configured from Django settings (``CELERY_*``), tasks autodiscovered per app."""

import os

from celery import Celery

from config.logs import connect_celery_signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("meetroute")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Sub-packages of apps: autodiscovery looks only at each app's own tasks module.
app.autodiscover_tasks(["bookings.outbox", "bookings.reminders", "sellers.calendar"])
connect_celery_signals()  # the request id travels from the web request into its tasks
