from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Hear about booking changes and run deliveries in the outbox, both through hooks
        bookings owns (bookings never imports webhooks)."""
        from bookings.changes import on_booking_change
        from bookings.outbox import handlers
        from webhooks import delivery, events

        on_booking_change(events.booking_changed)
        handlers.register_handler("webhook", delivery.handle, circuit=delivery.circuit)
