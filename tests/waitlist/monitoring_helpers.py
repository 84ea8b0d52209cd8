"""What the waitlist monitoring tests build: a business watching a Google calendar, the
slots people wait for on it, and someone waiting for each."""

from __future__ import annotations

import datetime as dt
import itertools

from sellers.models import CalendarConnection
from tests.factories import CalendarConnectionFactory, PageFactory
from waitlist.models import WaitlistCalendarConfig, WaitlistEntry, WaitlistSlot

_phones = itertools.count(100000)


def google_config(
    connection: CalendarConnection | None = None, *, calendar_id: str = "primary", **fields
) -> WaitlistCalendarConfig:
    connection = connection or CalendarConnectionFactory()
    return WaitlistCalendarConfig.objects.create(
        business_name=fields.pop("business_name", f"Business {calendar_id}"),
        page=fields.pop("page", None) or PageFactory(seller=connection.seller),
        provider=WaitlistCalendarConfig.Provider.GOOGLE_CALENDAR,
        connection=connection,
        calendar_id=calendar_id,
        calendar_name=calendar_id,
        **fields,
    )


def watched_slot(
    config: WaitlistCalendarConfig | None,
    start: dt.datetime,
    *,
    minutes: int = 30,
    waiting: int = 1,
    **fields,
) -> WaitlistSlot:
    slot = WaitlistSlot.objects.create(
        config=config, start=start, end=start + dt.timedelta(minutes=minutes), **fields
    )
    for priority in range(waiting):
        WaitlistEntry.objects.create(
            slot=slot,
            first_name=f"Person {priority}",
            phone=f"+51987{next(_phones)}",
            requested_slot=start,
            priority=priority,
        )
    return slot
