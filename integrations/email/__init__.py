"""Email sending through Django's mail API (django-anymail in production, the console by
default), plus an in-memory fake. What a booking's emails say is bookings'
(``bookings.outbox.messages``)."""
