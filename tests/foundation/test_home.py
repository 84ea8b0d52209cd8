"""The home page lists active booking pages, team pages first, in a constant number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import PageFactory, SellerFactory, TeamFactory

pytestmark = pytest.mark.django_db


def test_home_lists_active_pages_team_pages_first(client) -> None:
    PageFactory(slug="zeta-seller", name="A seller page")
    PageFactory(slug="hidden", name="Hidden", is_active=False)
    PageFactory(slug="sales", name="Sales", seller=None, team=TeamFactory())

    response = client.get("/")

    assert response.status_code == 200
    assert [p.slug for p in response.context["pages"]] == ["sales", "zeta-seller"]
    html = response.content.decode()
    assert 'href="/schedule/sales/"' in html
    assert "/schedule/hidden/" not in html


def test_home_with_no_pages_says_how_to_get_some(client) -> None:
    response = client.get("/")

    assert response.status_code == 200
    assert "seed_demo" in response.content.decode()


def test_home_query_count_does_not_grow_with_pages(client) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/").status_code == 200
        return len(captured)

    PageFactory(seller=SellerFactory())
    one = queries()
    PageFactory(seller=SellerFactory())
    PageFactory(seller=None, team=TeamFactory())
    three = queries()

    assert one == three
