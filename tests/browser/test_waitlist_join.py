"""The booking page's "Notify me if this frees up": a slot taken while the visitor filled
the form answers 409, and the visitor joins the waitlist from there."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.bookings.conftest import personal_page
from tests.factories import BookingFactory
from waitlist.models import WaitlistEntry

pytestmark = pytest.mark.django_db(transaction=True)


def test_taken_slot_offers_to_join_the_waitlist(live_server, chromium_browser, settings):
    settings.TWILIO_ACCOUNT_SID = ""  # texts to the in-memory sender
    meeting_type, seller = personal_page()
    context = chromium_browser.new_context(
        locale="en-US", timezone_id="America/Lima", base_url=live_server.url
    )
    page = context.new_page()
    try:
        page.goto(f"/schedule/{meeting_type.page.slug}/{meeting_type.slug}/")
        expect(page.locator("[data-days]")).to_have_attribute("aria-busy", "false")
        page.get_by_role("button", name="Next month").click()
        expect(page.locator("[data-days]")).to_have_attribute("aria-busy", "false")
        page.locator(".day.has-slots").nth(1).click()
        slot = page.locator("[data-slot-list] .slot").nth(2)
        start = dt.datetime.fromisoformat(slot.get_attribute("data-slot"))
        slot.click()
        page.get_by_label("Name").fill("Ana Prospect")
        page.get_by_label("Email").fill("ana@example.com")
        BookingFactory(meeting_type=meeting_type, seller=seller, start=start)  # someone else
        page.get_by_role("button", name="Book meeting").click()
        panel = page.locator("[data-waitlist]")
        expect(panel).to_be_visible()
        expect(panel.get_by_label("First name")).to_have_value("Ana")
        panel.get_by_label("Phone").fill("+51 912 345 678")
        panel.get_by_role("button", name="Notify me if this frees up").click()
        expect(panel.locator("[data-waitlist-status]")).to_contain_text("You are on the waitlist")
    finally:
        context.close()
    entry = WaitlistEntry.objects.get()
    assert (entry.requested_slot, entry.phone, entry.email, entry.source) == (
        start,
        "+51912345678",
        "ana@example.com",
        "web",
    )
