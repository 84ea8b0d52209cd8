from django.apps import AppConfig


class WaitlistConfig(AppConfig):
    name = "waitlist"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Hear about bookings (waitlist sits above them): a cancellation or a reschedule
        frees time to offer."""
        from bookings.changes import on_booking_change
        from waitlist.services.offers import on_booking_change as offer_freed_time

        on_booking_change(offer_freed_time)
