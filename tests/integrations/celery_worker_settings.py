"""Settings of the real Celery worker that test_outbox_e2e starts as a subprocess: the test
database and Redis, a real broker, anymail's Postmark backend pointed at the test's fake,
and short time limits so a killed job's lease runs out within the test."""

import os

from config.settings_test import *  # noqa: F403

EMAIL_BACKEND = "anymail.backends.postmark.EmailBackend"
CELERY_TASK_DEFAULT_QUEUE = os.environ["OUTBOX_TEST_QUEUE"]
CELERY_TASK_TIME_LIMIT = 6
CELERY_TASK_SOFT_TIME_LIMIT = 5
SYNC_LEASE_MARGIN_SECONDS = 1
ANYMAIL = {**ANYMAIL, "REQUESTS_TIMEOUT": 3}  # noqa: F405
