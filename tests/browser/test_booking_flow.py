"""The whole public booking flow in a real Chromium against the live server.

Team page → meeting type → day and slot → questions → book → confirmation → manage link →
reschedule → cancel, with a screenshot of every step in artifacts/screenshots/.
"""

import datetime as dt
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from bookings.models import Booking, BookingStatus
from scheduling.models import MeetingType
from tests.factories import (
    AvailabilityRuleFactory,
    BookingFactory,
    MeetingTypeFactory,
    PageFactory,
    SellerFactory,
    TeamFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {
    "desktop": {"width": 1280, "height": 900},
    "mobile": {"width": 375, "height": 740},
}
QUESTIONS = [
    {"key": "team_size", "label": "How big is your sales team?", "type": "select",
     "required": True, "options": ["1-10", "11-50", "51+"]},
    {"key": "role", "label": "Your role", "type": "text", "required": False},
    {"key": "crm", "label": "CRMs you use", "type": "multiselect", "required": False,
     "options": ["HubSpot", "Pipedrive", "Salesforce"]},
    {"key": "seats", "label": "Seats needed", "type": "number", "required": False},
    {"key": "consent", "label": "I agree to be contacted about this meeting", "type": "checkbox",
     "required": True},
]  # fmt: skip
STEP_TIMEOUT_MS = 15_000


def make_team_page() -> list:
    """A team page of two sellers working 08:00–18:00 every day, and a meeting type."""
    sellers = [
        SellerFactory(name="Lucía Romero", timezone="America/Lima"),
        SellerFactory(name="Marco Silva", timezone="America/Lima"),
    ]
    for seller in sellers:
        for weekday in range(7):
            AvailabilityRuleFactory(
                seller=seller, weekday=weekday, start=dt.time(8), end=dt.time(18)
            )
    page = PageFactory(
        slug="sales-team",
        name="Acme Sales Team",
        description="Pick a time with one of our account executives.",
        brand_color="#0f766e",
        seller=None,
        team=TeamFactory(name="Sales", sellers=sellers),
    )
    MeetingTypeFactory(
        page=page,
        slug="demo",
        name="Product demo",
        description="A 30-minute walkthrough of the product.",
        duration=30,
        slot_interval=30,
        min_notice=60,
        location_type="google_meet",
        questions=QUESTIONS,
        confirmation_message="We'll send the agenda the day before.",
    )
    return sellers


class Flow:
    """One browser page plus numbered screenshots and a record of uncaught JS errors and
    CSP violations."""

    def __init__(self, page: Page, folder: Path) -> None:
        self.page = page
        self.folder = folder
        self.step = 0
        self.js_errors: list[str] = []
        page.on("pageerror", lambda exc: self.js_errors.append(str(exc)))
        page.on("console", self._csp_violation)
        page.set_default_timeout(STEP_TIMEOUT_MS)

    def _csp_violation(self, message) -> None:
        """Whatever the Content-Security-Policy blocked counts as a page error."""
        if message.type == "error" and "Content Security Policy" in message.text:
            self.js_errors.append(message.text)

    def shot(self, name: str) -> None:
        self.step += 1
        self.folder.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(self.folder / f"{self.step:02d}-{name}.png"), full_page=True)

    def wait_for_path(self, pattern: str, what: str) -> None:
        try:
            self.page.wait_for_url(re.compile(pattern))
        except Exception as exc:
            alert = self.page.locator("[data-form-alert]")
            said = alert.first.inner_text() if alert.count() else ""
            self.shot("failed")
            pytest.fail(f"{what} did not happen; the page said: {said!r} ({exc})")

    def assert_fits_width(self, width: int) -> None:
        scroll_width = self.page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width, f"page is {scroll_width}px wide at a {width}px viewport"


@pytest.mark.parametrize("viewport", ["desktop", "mobile"])
def test_booking_flow_book_reschedule_cancel(
    live_server, chromium_browser, screenshots_dir, viewport
) -> None:
    sellers = make_team_page()
    size = VIEWPORTS[viewport]
    context = chromium_browser.new_context(
        viewport=size, locale="en-US", timezone_id="Europe/Madrid", base_url=live_server.url
    )
    folder = screenshots_dir if viewport == "desktop" else screenshots_dir / viewport
    flow = Flow(context.new_page(), folder)
    page = flow.page
    try:
        # 1. The team page lists the meeting type.
        page.goto("/schedule/sales-team/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Acme Sales Team")
        flow.shot("team-page")
        flow.assert_fits_width(size["width"])

        # 2. Pick the meeting type: the calendar loads in the browser's zone.
        page.get_by_role("link", name=re.compile("Product demo")).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Product demo")
        expect(page.get_by_label("Time zone")).to_have_value("Europe/Madrid")
        expect(page.locator("[data-days]")).to_have_attribute("aria-busy", "false")
        expect(page.locator(".day.has-slots").first).to_be_visible()
        flow.shot("calendar")

        # 3. Switch to Lima time, go to next month (whole days of slots whatever the date
        # today), pick a day and a slot.
        page.get_by_label("Time zone").select_option("America/Lima")
        expect(page.locator("[data-days]")).to_have_attribute("aria-busy", "false")
        this_month = page.locator("[data-month-label]").inner_text()
        page.get_by_role("button", name="Next month").click()
        expect(page.locator("[data-month-label]")).not_to_have_text(this_month)
        expect(page.locator("[data-days]")).to_have_attribute("aria-busy", "false")
        days = page.locator(".day.has-slots")
        expect(days.first).to_be_visible()
        day = days.nth(1) if days.count() > 1 else days.first
        day.click()
        expect(day).to_have_attribute("aria-pressed", "true")
        slot = page.locator("[data-slot-list] .slot").nth(1)
        chosen_start = slot.get_attribute("data-slot")
        assert chosen_start and chosen_start.endswith("-05:00"), chosen_start
        slot.click()
        details = page.locator("#step-details")
        expect(details).to_be_visible()
        expect(details.locator("[data-chosen-label]")).to_contain_text("(America/Lima)")
        flow.shot("slot-picked")

        # 4. Fill the contact fields and the meeting type's questions.
        page.get_by_label("Name").fill("Ana Prospect")
        page.get_by_label("Email").fill("ana@example.com")
        page.get_by_label("Phone").fill("+51 987 654 321")
        page.get_by_label("Company").fill("Prospect SAC")
        page.get_by_label("Country").select_option("PE")
        page.get_by_label("How big is your sales team?").select_option("11-50")
        page.get_by_label("Your role").fill("Head of sales")
        page.get_by_label("HubSpot").check()
        page.get_by_label("Seats needed").fill("12")
        # Submitting without the required checkbox shows the error next to it, sends nothing.
        page.get_by_role("button", name="Book meeting").click()
        expect(page.locator('[data-error-for="answers.consent"]')).to_have_text(
            "Please tick this box."
        )
        assert Booking.objects.count() == 0
        page.get_by_label("I agree to be contacted").check()
        expect(page.locator('[data-error-for="answers.consent"]')).to_be_hidden()
        flow.shot("form-filled")

        # 5. Book → the confirmation page.
        page.get_by_role("button", name="Book meeting").click()
        flow.wait_for_path(r"/schedule/manage/[^/]+/\?booked=1$", "Booking")
        expect(page.get_by_role("heading", level=1)).to_have_text("You're booked")
        booking = Booking.objects.get()
        assert booking.status == BookingStatus.CONFIRMED
        assert booking.start == dt.datetime.fromisoformat(chosen_start)
        assert booking.seller in sellers
        assert booking.answers == {
            "team_size": "11-50",
            "role": "Head of sales",
            "crm": ["HubSpot"],
            "seats": 12,
            "consent": True,
        }
        assert booking.timezone == "America/Lima"
        expect(page.locator("[data-host]")).to_have_text(booking.seller.name)
        expect(page.locator("[data-when]")).to_contain_text("America/Lima")
        expect(page.locator("[data-confirmation-message]")).to_contain_text("agenda")
        expect(page.get_by_role("link", name="Download .ics")).to_be_visible()
        expect(page.get_by_role("link", name="Add to Google Calendar")).to_have_attribute(
            "href", re.compile(r"^https://calendar\.google\.com/calendar/render\?action=TEMPLATE")
        )
        flow.shot("confirmation")
        flow.assert_fits_width(size["width"])

        # 6. Open the manage link (what the confirmation email carries).
        manage_path = urlsplit(page.url).path
        page.goto(manage_path)
        expect(page.get_by_role("heading", level=1)).to_have_text("Your meeting")
        flow.shot("manage-page")

        # 7. Reschedule to another slot.
        page.get_by_role("button", name="Reschedule").click()
        panel = page.locator("#reschedule-panel")
        expect(panel.locator("[data-days]")).to_have_attribute("aria-busy", "false")
        panel.get_by_label("Time zone").select_option("America/Lima")
        expect(panel.locator("[data-days]")).to_have_attribute("aria-busy", "false")
        new_slot = panel.locator(f'[data-slot-list] .slot:not([data-slot="{chosen_start}"])').last
        new_start = new_slot.get_attribute("data-slot")
        new_slot.click()
        expect(panel.locator("[data-chosen-label]")).to_contain_text("New time:")
        flow.shot("reschedule-picked")
        page.get_by_role("button", name="Move my meeting").click()
        flow.wait_for_path(r"\?rescheduled=1$", "Rescheduling")
        expect(page.get_by_role("heading", level=1)).to_have_text("Your meeting was moved")
        rescheduled = Booking.objects.get()
        assert rescheduled.id == booking.id
        assert rescheduled.start == dt.datetime.fromisoformat(new_start)
        assert rescheduled.status == BookingStatus.CONFIRMED
        flow.shot("rescheduled")

        # 8. Cancel with a reason.
        page.get_by_role("button", name="Cancel meeting").click()
        page.get_by_label("Reason (optional)").fill("Found another slot with a colleague")
        flow.shot("cancel-form")
        page.get_by_role("button", name="Yes, cancel this meeting").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("This meeting was cancelled")
        cancelled = Booking.objects.get()
        assert cancelled.status == BookingStatus.CANCELLED
        assert cancelled.cancellation_reason == "Found another slot with a colleague"
        flow.shot("cancelled")
        flow.assert_fits_width(size["width"])

        assert flow.js_errors == []
    finally:
        context.close()


def test_booking_form_shows_server_errors_and_next_slots_when_taken(
    live_server, chromium_browser, screenshots_dir
) -> None:
    sellers = make_team_page()
    context = chromium_browser.new_context(
        viewport=VIEWPORTS["desktop"],
        locale="en-US",
        timezone_id="America/Lima",
        base_url=live_server.url,
    )
    flow = Flow(context.new_page(), screenshots_dir / "errors")
    page = flow.page
    try:
        page.goto("/schedule/sales-team/demo/")
        expect(page.locator("[data-days]")).to_have_attribute("aria-busy", "false")
        this_month = page.locator("[data-month-label]").inner_text()
        page.get_by_role("button", name="Next month").click()
        expect(page.locator("[data-month-label]")).not_to_have_text(this_month)
        expect(page.locator("[data-days]")).to_have_attribute("aria-busy", "false")
        # By keyboard: Enter on a day moves focus to its first slot, Enter there to the form.
        page.locator(".day.has-slots").first.focus()
        page.keyboard.press("Enter")
        slot = page.locator("[data-slot-list] .slot").first
        expect(slot).to_be_focused()
        taken_start = slot.get_attribute("data-slot")
        page.keyboard.press("Enter")
        expect(page.locator("#step-details-heading")).to_be_focused()
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        expect(page.get_by_label("Name")).to_be_focused()
        page.keyboard.type("Ana Prospect")
        expect(page.get_by_label("Name")).to_have_value("Ana Prospect")
        page.get_by_label("Email").fill("ana@example.com")
        page.get_by_label("How big is your sales team?").select_option("1-10")
        page.get_by_label("I agree to be contacted").check()

        # A phone number only the server can reject: its message sits next to the field.
        page.get_by_label("Phone").fill("12")
        page.get_by_role("button", name="Book meeting").click()
        phone_error = page.locator('[data-error-for="phone"]')
        expect(phone_error).to_be_visible()
        expect(page.get_by_label("Phone")).to_have_attribute("aria-invalid", "true")
        flow.shot("phone-error")
        assert Booking.objects.count() == 0
        page.get_by_label("Phone").fill("")

        # Both sellers get booked at that time behind the prospect's back.
        start = dt.datetime.fromisoformat(taken_start)
        for seller in sellers:
            BookingFactory(
                meeting_type=MeetingType.objects.get(slug="demo"),
                seller=seller,
                start=start,
                end=start + dt.timedelta(minutes=30),
            )
        page.get_by_role("button", name="Book meeting").click()
        alert = page.locator("[data-form-alert]")
        expect(alert).to_contain_text("That time was just taken")
        alternatives = alert.locator(".slot")
        expect(alternatives.first).to_be_visible()
        offered = [
            alternatives.nth(i).get_attribute("data-slot") for i in range(alternatives.count())
        ]
        assert taken_start not in offered
        assert all(dt.datetime.fromisoformat(s) > start for s in offered)
        flow.shot("slot-taken")

        # Taking the first alternative and booking again works.
        alternatives.first.click()
        page.get_by_role("button", name="Book meeting").click()
        flow.wait_for_path(r"/schedule/manage/[^/]+/\?booked=1$", "Booking the alternative")
        booking = Booking.objects.get(email="ana@example.com")
        assert booking.start == dt.datetime.fromisoformat(offered[0])
        flow.shot("alternative-booked")
        assert flow.js_errors == []
    finally:
        context.close()


def test_booking_with_email_confirmation(
    live_server, chromium_browser, screenshots_dir, settings, mailoutbox
) -> None:
    """BOOKING_EMAIL_CONFIRMATION: the form says to check the email; the emailed link's
    page confirms the booking with one button."""
    settings.BOOKING_EMAIL_CONFIRMATION = True
    make_team_page()
    context = chromium_browser.new_context(
        viewport=VIEWPORTS["desktop"], locale="en-US", timezone_id="America/Lima",
        base_url=live_server.url,
    )  # fmt: skip
    flow = Flow(context.new_page(), screenshots_dir / "email-confirmation")
    page = flow.page
    try:
        page.goto("/schedule/sales-team/demo/")
        expect(page.locator("[data-days]")).to_have_attribute("aria-busy", "false")
        page.get_by_role("button", name="Next month").click()
        expect(page.locator("[data-days]")).to_have_attribute("aria-busy", "false")
        page.locator(".day.has-slots").first.click()
        page.locator("[data-slot-list] .slot").first.click()
        page.get_by_label("Name").fill("Ana Prospect")
        page.get_by_label("Email").fill("ana@example.com")
        page.get_by_label("How big is your sales team?").select_option("1-10")
        page.get_by_label("I agree to be contacted").check()
        page.get_by_role("button", name="Book meeting").click()

        expect(page.locator("[data-form-alert]")).to_contain_text(
            "we sent a link to ana@example.com"
        )
        flow.shot("check-your-email")
        assert Booking.objects.get().status == BookingStatus.PENDING
        (message,) = mailoutbox
        link = re.search(r"https?://\S+/schedule/manage/[^/\s]+/", message.body).group(0)

        page.goto(urlsplit(link).path)
        expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your booking")
        flow.shot("confirm-page")
        page.get_by_role("button", name="Confirm my booking").click()
        flow.wait_for_path(r"/schedule/manage/[^/]+/\?booked=1$", "Confirming")
        expect(page.get_by_role("heading", level=1)).to_have_text("You're booked")
        assert Booking.objects.get().status == BookingStatus.CONFIRMED
        flow.shot("confirmed")
        assert flow.js_errors == []
    finally:
        context.close()
