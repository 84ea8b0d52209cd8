"""Booking emails (confirmation, reschedule, cancellation) with an .ics invite, sent
through Django's mail API (django-anymail in production, the console by default)."""
