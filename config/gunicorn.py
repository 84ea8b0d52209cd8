"""gunicorn settings (`gunicorn -c config/gunicorn.py config.wsgi:application`).

Access and error lines go through the app's logging setup: JSON with the request id,
manage tokens redacted (the access line holds the request path).
"""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.conf import settings  # noqa: E402

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
# Threads per worker (gthread): the shape the throughput targets are measured on (3 × 4,
# docs/benchmarks.md); a request waiting on PostgreSQL or a provider leaves the worker free.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s" rid=%({x-request-id}o)s'
logconfig_dict = {
    **settings.LOGGING,
    "loggers": {
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
