"""Calendar providers: Google Calendar (per-seller OAuth or a service account) and an
in-memory fake. Everything outside this package talks to ``base.CalendarProvider``."""
