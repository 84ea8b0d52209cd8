"""Reminders, follow-ups and two-way SMS for bookings.

plan.py (what is due when, from booking changes), quiet.py (quiet hours, pure),
sweep.py (claim due rows, lease, send, mark), content.py (email and SMS text),
outcome.py (the seller's signed completed / no-show links), inbound.py (Twilio replies,
opt-outs, delivery status), views.py / urls.py / tasks.py / admin.py (thin edges).
"""
