"""The embed widget on another origin, and axe-core on the public pages in every language.

The embed test serves static/embed-demo.html from a second loopback origin (a tiny static
server), books through the iframe and checks the host page received `meetroute:booked`.
The accessibility test injects the vendored axe-core (static/vendor/axe-core) and allows
no serious or critical violation on the type page, the form with errors, the confirmation
and the manage page, in en, es, fr and it.
"""

import datetime as dt
import functools
import http.server
import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import FrameLocator, Page, expect

from bookings.models import Booking
from scheduling.models import SchedulingPage
from tests.browser.test_booking_flow import STEP_TIMEOUT_MS, VIEWPORTS, Flow, make_team_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
AXE_URL = "/static/vendor/axe-core/axe.min.js"
AXE_RUN = """() => axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations
  .filter(v => v.impact === "serious" || v.impact === "critical")
  .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(" "))})))"""


@pytest.fixture
def second_origin(tmp_path, live_server) -> Iterator[str]:
    """The demo page, its script pointed at the live server, served from another port."""
    demo = (ROOT / "static" / "embed-demo.html").read_text()
    demo = demo.replace("http://127.0.0.1:8000", live_server.url)
    (tmp_path / "index.html").write_text(demo.replace('data-type="discovery"', 'data-type="demo"'))
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def pick_next_month_slot(scope: Page | FrameLocator, month_button: str = "Next month") -> str:
    expect(scope.locator("[data-days]")).to_have_attribute("aria-busy", "false")
    this_month = scope.locator("[data-month-label]").inner_text()
    scope.locator("[data-month-next]").click()
    expect(scope.locator("[data-month-label]")).not_to_have_text(this_month)
    expect(scope.locator("[data-days]")).to_have_attribute("aria-busy", "false")
    scope.locator(".day.has-slots").first.click()
    slot = scope.locator("[data-slot-list] .slot").first
    start = slot.get_attribute("data-slot")
    slot.click()
    expect(scope.locator("#step-details")).to_be_visible()
    assert start
    return start


def fill_form(scope: Page | FrameLocator) -> None:
    scope.locator("#f-name").fill("Ana Prospect")
    scope.locator("#f-email").fill("ana@example.com")
    scope.locator("#q-team_size").select_option("1-10")
    scope.locator("#q-consent").check()


def test_embed_books_through_the_iframe_on_another_origin(
    live_server, chromium_browser, screenshots_dir, second_origin
) -> None:
    make_team_page()
    SchedulingPage.objects.filter(slug="sales-team").update(embed_origins=[second_origin])
    context = chromium_browser.new_context(
        viewport=VIEWPORTS["desktop"], locale="en-US", timezone_id="America/Lima"
    )
    flow = Flow(context.new_page(), screenshots_dir / "embed")
    page = flow.page
    try:
        page.goto(second_origin + "/index.html")
        iframe = page.locator(".meetroute-embed iframe").first
        frame = page.frame_locator(".meetroute-embed iframe").first
        expect(frame.get_by_role("heading", level=1)).to_have_text("Product demo")
        # meetroute:resized: the iframe takes its content's height (not the initial 640px).
        expect(iframe).not_to_have_attribute("style", re.compile(r"height: 640px"))
        start = pick_next_month_slot(frame)
        fill_form(frame)
        flow.shot("embedded-form")
        frame.get_by_role("button", name="Book meeting").click()
        expect(frame.get_by_role("heading", level=1)).to_have_text("You're booked")
        booking = Booking.objects.get()
        assert booking.start == dt.datetime.fromisoformat(start)
        events = page.locator("#events")
        expect(events).to_contain_text("meetroute:booked")
        detail = json.loads(events.inner_text().split("meetroute:booked ", 1)[1])
        assert detail["id"] == str(booking.id)
        assert dt.datetime.fromisoformat(detail["start"]) == booking.start
        assert dt.datetime.fromisoformat(detail["end"]) == booking.end
        flow.shot("embedded-booked")

        # The popup button opens the same flow in a dialog; Escape closes it.
        page.get_by_role("button", name="Book a call").click()
        dialog = page.get_by_role("dialog", name="Book a call")
        expect(dialog).to_be_visible()
        expect(dialog.frame_locator("iframe").get_by_role("heading", level=1)).to_have_text(
            re.compile("Acme Sales Team")
        )
        page.keyboard.press("Escape")
        expect(dialog).to_have_count(0)
        assert flow.js_errors == []
    finally:
        context.close()


def test_embed_is_refused_to_an_origin_the_page_does_not_list(
    live_server, chromium_browser, second_origin
) -> None:
    make_team_page()
    SchedulingPage.objects.filter(slug="sales-team").update(embed_origins=["https://other.test"])
    context = chromium_browser.new_context(locale="en-US")
    page = context.new_page()
    page.set_default_timeout(STEP_TIMEOUT_MS)
    try:
        page.goto(second_origin + "/index.html")
        frame = page.frame_locator(".meetroute-embed iframe").first
        page.wait_for_timeout(1500)
        expect(frame.get_by_role("heading", level=1)).to_have_count(0)
        expect(page.locator("#events")).to_have_text("none yet")
    finally:
        context.close()


def axe_violations(page: Page) -> list[dict]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=AXE_URL)  # same origin: the pages' CSP allows it
    return page.evaluate(AXE_RUN)


@pytest.mark.parametrize("language", ["en", "es", "fr", "it"])
def test_public_pages_have_no_serious_accessibility_violations(
    live_server, chromium_browser, screenshots_dir, language
) -> None:
    make_team_page()
    context = chromium_browser.new_context(
        viewport=VIEWPORTS["desktop"],
        locale="en-US",
        timezone_id="America/Lima",
        base_url=live_server.url,
    )
    flow = Flow(context.new_page(), screenshots_dir / "a11y" / language)
    page = flow.page
    found: dict[str, list[dict]] = {}
    try:
        page.goto(f"/schedule/sales-team/demo/?lang={language}")
        expect(page.locator("html")).to_have_attribute("lang", language)
        expect(page.locator("[data-days]")).to_have_attribute("aria-busy", "false")
        found["type page"] = axe_violations(page)

        pick_next_month_slot(page)
        page.locator("[data-submit]").click()
        expect(page.locator('[data-error-for="name"]')).to_be_visible()
        flow.shot("form-errors")
        found["form with errors"] = axe_violations(page)

        fill_form(page)
        page.locator("[data-submit]").click()
        flow.wait_for_path(r"/schedule/manage/[^/]+/\?lang=\w+&booked=1$", "Booking")
        expect(page.locator("html")).to_have_attribute("lang", language)
        found["confirmation"] = axe_violations(page)
        assert Booking.objects.get().language == language

        page.goto(urlsplit(page.url).path)
        expect(page.locator("[data-open-reschedule]")).to_be_visible()
        found["manage page"] = axe_violations(page)
        flow.shot("manage")
        assert {where: v for where, v in found.items() if v} == {}
        assert flow.js_errors == []
    finally:
        context.close()
