from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "bookings"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Tell the layers below about bookings through the hooks they offer (they never
        import bookings): booked time for slots, loads for routing, booked meetings for
        free/busy sync, and slot-cache bumps when a booking changes; and listen to booking
        changes itself (a finished meeting's outcome goes to the CRM)."""
        from bookings import selectors
        from bookings.changes import on_booking_change
        from bookings.models import BLOCKING_STATUSES, Booking
        from bookings.outbox.services import sync_outcome
        from routing import hooks as routing_hooks
        from scheduling import hooks as scheduling_hooks
        from scheduling.signals import track_seller_rows
        from sellers import hooks as sellers_hooks

        scheduling_hooks.register_booked_time(
            scheduling_hooks.BookedTime(
                rows=selectors.booked_time_rows, blocking_statuses=frozenset(BLOCKING_STATUSES)
            )
        )
        routing_hooks.register_load_counter(selectors.load_count)
        sellers_hooks.register_booked_ranges(selectors.booked_ranges)
        track_seller_rows(Booking, uid="booking")
        on_booking_change(sync_outcome)
        # Reminders follow the booking's changes (planned, moved, withdrawn).
        from bookings.reminders.plan import on_change as plan_reminders

        on_booking_change(plan_reminders)
