"""List filters named like pagination's old parameter: `page` filters, `page_number` pages."""

import pytest

from config.pagination import NumberedPages
from tests.factories import MeetingTypeFactory, PageFactory

pytestmark = pytest.mark.django_db


def test_meeting_types_page_filter_is_a_page_id_not_a_page_number(staff_client):
    page = PageFactory()
    wanted = MeetingTypeFactory(page=page, slug="a")
    MeetingTypeFactory(page=PageFactory(), slug="b")

    response = staff_client.get("/api/v1/meeting-types/", {"page": str(page.id)})

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [str(wanted.id)]


def test_meeting_types_page_filter_not_an_id_is_400_naming_it(staff_client):
    response = staff_client.get("/api/v1/meeting-types/", {"page": "2"})

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["page"]


def test_lists_page_with_page_number_and_links_carry_it(staff_client, monkeypatch):
    monkeypatch.setattr(NumberedPages, "page_size", 1)
    page = PageFactory()
    types = {str(MeetingTypeFactory(page=page, slug=slug).id) for slug in ("a", "b")}

    first = staff_client.get("/api/v1/meeting-types/", {"page": str(page.id)}).json()
    assert first["count"] == 2
    assert "page_number=2" in first["next"]
    assert f"page={page.id}" in first["next"]
    following = staff_client.get(first["next"]).json()
    assert following["next"] is None
    assert {following["results"][0]["id"], first["results"][0]["id"]} == types
