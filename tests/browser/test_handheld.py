"""Every page on a handheld (390 px wide): nothing is cut off, the navigation scrolls, the scan page
is big-buttoned, starts on the usual location, remembers the last one and takes a quantity."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from .conftest import LiveServer
from .test_dashboard import sign_in

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)  # a loaded machine can take more than the default 5 s

HANDHELD = {"width": 390, "height": 844}


def handheld(browser: Browser, server: LiveServer) -> Page:
    context = browser.new_context(viewport=HANDHELD, is_mobile=True, has_touch=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in(page, server)
    return page


def assert_fits(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the screen"


def test_every_page_fits_a_390_px_screen_and_every_link_of_the_navigation_can_be_reached(
    browser: Browser, live_server: LiveServer, artifacts: Path
) -> None:
    page = handheld(browser, live_server)
    hrefs = page.locator("header.top nav a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert {"/", "/scan", "/orders"} <= set(hrefs)
    for href in [*hrefs, "/variants/TEE-M"]:
        page.goto(f"{live_server.url}{href}")
        assert_fits(page)
        name = href.strip("/").replace("/", "-") or "stock"
        page.screenshot(path=str(artifacts / f"390-{name}.png"), full_page=True)
    for link in page.locator("header.top nav a").all():
        link.scroll_into_view_if_needed()
        expect(link).to_be_in_viewport()
    expect(page.get_by_role("button", name="Sign out")).to_be_in_viewport()
    page.context.close()


def test_the_scan_page_on_a_handheld_starts_on_the_usual_place_remembers_the_last_and_takes_a_quantity(
    browser: Browser, live_server: LiveServer, artifacts: Path
) -> None:
    page = handheld(browser, live_server)
    page.goto(f"{live_server.url}/scan")
    assert_fits(page)
    code = page.locator("#code")
    expect(code).to_be_in_viewport()
    box = code.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= HANDHELD["width"]
    receive = page.locator(".modes label", has_text="Receive").bounding_box()
    assert receive is not None and receive["height"] >= 44  # a thumb-sized target
    expect(page.locator("#location")).to_have_value("WH1")  # not the quarantine, not a drop-shipper
    page.select_option("#location", "QC")
    page.reload()
    expect(page.locator("#location")).to_have_value("QC")  # remembered on this device
    page.select_option("#location", "WH1")
    page.fill("#quantity", "6")
    code.fill("400000000001")
    code.press("Enter")
    expect(page.locator("#result.ok")).to_contain_text("received 6 × TEE-M")
    expect(page.locator("#quantity")).to_have_value("1")
    page.screenshot(path=str(artifacts / "390-scan-quantity.png"), full_page=True)
    page.click("#undo")
    expect(page.locator("#result.ok")).to_contain_text("undone: receive of 6 × TEE-M")
    page.context.close()
