"""Which sellers of a pool may take a prospect, by country then region. Pure: no ORM.

Routing reuses `eligible_by_country` so the slots a prospect sees and the seller a booking
goes to are chosen by the same rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

LATAM = "LATAM"
EMEA = "EMEA"
NA = "NA"
APAC = "APAC"

_REGION_COUNTRIES: dict[str, str] = {
    # Latin America and the Caribbean
    LATAM: (
        "AR BO BR CL CO CR CU DO EC SV GT HN MX NI PA PY PE PR UY VE "
        "BZ GY SR GF HT JM TT BS BB AG DM GD KN LC VC AW CW BQ SX MQ GP BL MF KY TC VG VI AI MS"
    ),
    NA: "US CA PM BM GL UM",
    EMEA: (
        # European Union
        "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE "
        # rest of Europe
        "GB NO CH IS LI MC SM VA AD AL BA ME MK RS XK MD UA BY RU TR GE AM AZ GI IM JE GG FO AX "
        # Middle East
        "AE SA QA KW BH OM YE IL PS JO LB SY IQ IR "
        # Africa
        "ZA NG KE EG MA DZ TN LY GH CI SN CM ET TZ UG RW AO MZ ZM ZW BW NA MU SD SS ML BF NE "
        "TD MR GN SL LR TG BJ GA CG CD CF GQ ER DJ SO MG SC KM CV GM GW ST BI MW LS SZ RE YT"
    ),
    APAC: (
        "AU NZ JP KR CN HK MO TW SG MY ID TH VN PH IN PK BD LK NP BT MV MM KH LA BN TL MN KZ "
        "UZ KG TJ TM AF FJ PG SB VU NC PF WS TO KI TV NR FM MH PW CK NU GU MP AS"
    ),
}

#: ISO 3166-1 alpha-2 code → sales region ("LATAM", "EMEA", "NA", "APAC").
COUNTRY_REGION: dict[str, str] = {
    code: region for region, codes in _REGION_COUNTRIES.items() for code in codes.split()
}


def region_of_country(country: str | None) -> str | None:
    """The sales region of a country code (any case), or None when unknown or empty."""
    if not country:
        return None
    return COUNTRY_REGION.get(str(country).upper())


class Locatable(Protocol):
    """A seller, or any row with its country (a code, or django-countries' Country, whose
    str() is the code) and region."""

    @property
    def country(self) -> object: ...

    @property
    def region(self) -> str: ...


T = TypeVar("T", bound=Locatable)


def seller_region(seller: Locatable) -> str | None:
    """The seller's own region field, else the region of their country."""
    region = (seller.region or "").strip().upper()
    return region or region_of_country(str(seller.country or ""))


def eligible_by_country(sellers: Sequence[T], country: str | None) -> list[T]:
    """Sellers in the prospect's country; else in its region; else all of them.

    Order is kept. With no or an unknown country every seller is eligible, so a prospect is
    never left without slots because of where they are.
    """
    if not country:
        return list(sellers)
    code = country.upper()
    same_country = [s for s in sellers if str(s.country or "").upper() == code]
    if same_country:
        return same_country
    region = region_of_country(code)
    if region is not None:
        same_region = [s for s in sellers if seller_region(s) == region]
        if same_region:
            return same_region
    return list(sellers)
