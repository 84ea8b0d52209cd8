"""The pure country → region eligibility rule that slots and routing share."""

from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from scheduling.eligibility import COUNTRY_REGION, eligible_by_country, region_of_country


@dataclass(frozen=True)
class S:
    name: str
    country: str
    region: str = ""


def test_region_of_country_covers_latin_america_europe_and_north_america():
    latam = [
        "AR",
        "BO",
        "BR",
        "CL",
        "CO",
        "CR",
        "CU",
        "DO",
        "EC",
        "SV",
        "GT",
        "HN",
        "MX",
        "NI",
        "PA",
        "PY",
        "PE",
        "PR",
        "UY",
        "VE",
    ]
    eu = [
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "HU",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
    ]
    assert {region_of_country(c) for c in latam} == {"LATAM"}
    assert {region_of_country(c) for c in eu} == {"EMEA"}
    assert (region_of_country("us"), region_of_country("CA")) == ("NA", "NA")
    assert (region_of_country("JP"), region_of_country("AU")) == ("APAC", "APAC")
    assert (region_of_country("ZZ"), region_of_country(""), region_of_country(None)) == (
        None,
        None,
        None,
    )


def test_eligible_prefers_country_then_region_then_everyone():
    pe, mx, es = S("pe", "PE", "LATAM"), S("mx", "MX"), S("es", "ES", "emea")
    team = [pe, mx, es]

    assert eligible_by_country(team, "PE") == [pe]
    assert eligible_by_country(team, "cl") == [pe, mx]
    assert eligible_by_country(team, "FR") == [es]
    assert eligible_by_country(team, "JP") == team
    assert eligible_by_country(team, "ZZ") == team
    assert eligible_by_country(team, None) == team
    assert eligible_by_country([], "PE") == []


countries = st.sampled_from([*sorted(COUNTRY_REGION)[:40], "PE", "ES", "US", "ZZ"])
sellers = st.lists(
    st.builds(S, name=st.text(max_size=3), country=countries, region=st.sampled_from(["", "NA"])),
    max_size=8,
)


@settings(deadline=None)  # pure and fast; a loaded CI machine must not make it flaky
@given(sellers, st.one_of(st.none(), countries))
def test_eligible_is_a_nonempty_ordered_subset(team, country):
    chosen = eligible_by_country(team, country)

    assert bool(chosen) == bool(team)
    positions = [next(i for i, t in enumerate(team) if t is s) for s in chosen]
    assert positions == sorted(positions)
    if country and any(s.country == country for s in team):
        assert all(s.country == country for s in chosen)
