from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Hear about booking changes and run deliveries in the outbox, both through hooks
        bookings owns (bookings never imports webhooks); keep the cached list of subscribed
        event types current."""
        from django.db.models.signals import post_delete, post_save

        from bookings.changes import on_booking_change
        from bookings.outbox import handlers
        from webhooks import delivery, events
        from webhooks.models import WebhookSubscription

        on_booking_change(events.booking_changed)
        for signal in (post_save, post_delete):
            signal.connect(
                events.subscriptions_changed,
                sender=WebhookSubscription,
                dispatch_uid=f"webhooks_subscriptions_{signal is post_save}",
            )
        handlers.register_handler("webhook", delivery.handle, circuit=delivery.circuit)
