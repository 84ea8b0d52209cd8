"""Waitlist use cases; views, tasks and the admin call these.

- ``join.join_waitlist`` (every way in), ``join.confirm_registration``
- ``offers.on_booking_change`` (registered in ``WaitlistConfig.ready``), ``offers.accept``,
  ``offers.decline``, ``offers.cancel_entry``, ``offers.offer_now``,
  ``offers.sweep_lapsed_offers``
- ``voice.trigger`` and ``voice.record_call`` (the n8n voice-agent hand-off)
- ``monitoring`` (external calendars, the check tick), ``calendar_config`` (a business's
  calendar settings), ``handoff`` (a slot freed or expired at the check, to the offers)
- ``tokens`` (links), ``messages`` (texts), ``alternatives`` (pure)
"""
