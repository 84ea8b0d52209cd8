import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tests.factories import (
    AvailabilityRuleFactory,
    MeetingTypeFactory,
    PageFactory,
    SellerFactory,
    TeamFactory,
)

LIMA = ZoneInfo("America/Lima")


def slot(days: int = 2, hour: int = 10, minute: int = 0) -> dt.datetime:
    """A slot start ``days`` from today at ``hour`` Lima time (sellers work 08–20 daily)."""
    day = dt.datetime.now(LIMA).date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LIMA)


def working_seller(**kwargs):
    seller = SellerFactory(**kwargs)
    for weekday in range(7):
        AvailabilityRuleFactory(seller=seller, weekday=weekday, start=dt.time(8), end=dt.time(20))
    return seller


def team_page(n: int = 3, routing: str = "round_robin", **meeting):
    sellers = [working_seller(name=f"Seller {chr(65 + i)}") for i in range(n)]
    team = TeamFactory(sellers=sellers)
    page = PageFactory(seller=None, team=team, routing=routing)
    meeting_type = MeetingTypeFactory(page=page, **meeting)
    return meeting_type, sorted(sellers, key=lambda s: s.pk)


def personal_page(**meeting):
    seller = working_seller()
    page = PageFactory(seller=seller)
    return MeetingTypeFactory(page=page, **meeting), seller


def body(start: dt.datetime, n: int = 0, **extra) -> dict:
    return {
        "start": start.isoformat(),
        "timezone": "America/Lima",
        "name": f"Prospect {n}",
        "email": f"prospect{n}@example.com",
        **extra,
    }


@pytest.fixture
def team():
    return team_page()
