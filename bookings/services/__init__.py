"""Booking use cases. Views, tasks and the admin call these; they never write bookings
themselves.

- `create_booking` → `BookingResult` (booking, manage token, created?)
- `cancel_booking`, `reschedule_booking`, `complete_booking`, `mark_no_show`,
  `record_deal_won` → `Booking`
- `place_hold`, `release_hold`, `convert_hold`: a slot held for a waitlist offer
- `confirm_booking`, `release_unconfirmed`: the email confirmation a prospect's booking
  awaits when `BOOKING_EMAIL_CONFIRMATION` is on
Errors are `config.errors.DomainError`s: `Invalid` (400), `SlotUnavailable` and
`NotActive` (409), `Conflict` (409), `FrequencyLimit` (429), `TokenExpired` (410),
`NotFound` (404).
"""

from bookings.services.common import (
    FrequencyLimit,
    NotActive,
    SlotUnavailable,
    TokenExpired,
)
from bookings.services.confirmation import confirm_booking, release_unconfirmed
from bookings.services.create import BookingResult, create_booking
from bookings.services.deals import record_deal_won
from bookings.services.holds import convert_hold, place_hold, release_hold
from bookings.services.manage import (
    cancel_booking,
    complete_booking,
    mark_no_show,
    reschedule_booking,
)

__all__ = [
    "BookingResult",
    "FrequencyLimit",
    "NotActive",
    "SlotUnavailable",
    "TokenExpired",
    "cancel_booking",
    "complete_booking",
    "confirm_booking",
    "convert_hold",
    "create_booking",
    "mark_no_show",
    "place_hold",
    "record_deal_won",
    "release_hold",
    "release_unconfirmed",
    "reschedule_booking",
]
