"""A seller's morning in real Chromium: sign in, find a SKU, receive by scanning, watch the
stock screen change live in another tab, and read the new movement on the variant page."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from .conftest import LiveServer

pytestmark = pytest.mark.browser


def sign_in(page: Page, server: LiveServer) -> None:
    page.goto(f"{server.url}/")
    expect(page).to_have_url(f"{server.url}/login?next=/")
    page.fill('input[name="name"]', server.user)
    page.fill('input[name="password"]', server.password)
    page.click('button[type="submit"]')
    expect(page).to_have_url(f"{server.url}/")


def test_receiving_by_scanning_shows_up_live_on_the_stock_screen_and_in_the_history(
    browser: Browser, live_server: LiveServer, artifacts: Path
) -> None:
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/login")
    page.screenshot(path=str(artifacts / "01-sign-in.png"))
    sign_in(page, live_server)

    page.fill('input[name="q"]', "400000000001")
    page.press('input[name="q"]', "Enter")
    row = page.locator('tbody[data-sku="TEE-M"]')
    expect(row.locator("td.on-hand")).to_have_text("5")
    expect(page.locator("tbody.variant")).to_have_count(1)
    page.screenshot(path=str(artifacts / "02-stock-search.png"), full_page=True)

    watcher = context.new_page()
    watcher.goto(f"{live_server.url}/?q=TEE")
    expect(watcher.locator("#live.on")).to_be_visible()
    watcher.evaluate("window.__notReloaded = true")

    page.goto(f"{live_server.url}/scan")
    page.check('input[value="receive"]')
    page.select_option("#location", "WH1")
    for _ in range(3):
        page.fill("#code", "400000000001")
        page.press("#code", "Enter")
        expect(page.locator("#result.ok")).to_be_visible()
    expect(page.locator("#result")).to_contain_text("received 1 × TEE-M — on hand 8 at WH1")
    page.screenshot(path=str(artifacts / "03-scan-confirmed.png"), full_page=True)
    page.fill("#code", "999999")
    page.press("#code", "Enter")
    expect(page.locator("#result.refused")).to_contain_text("no variant with SKU or barcode '999999'")
    page.screenshot(path=str(artifacts / "04-scan-refused.png"), full_page=True)
    page.click("#undo")  # the last accepted scan (the refused one wrote nothing)
    expect(page.locator("#result.ok")).to_contain_text("undone: receive of 1 × TEE-M — on hand 7 at WH1")

    live_cell = watcher.locator('tbody[data-sku="TEE-M"] td.on-hand')
    expect(live_cell).to_have_text("7")
    assert watcher.evaluate("window.__notReloaded") is True
    watcher.screenshot(path=str(artifacts / "05-stock-live.png"), full_page=True)

    page.goto(f"{live_server.url}/variants/TEE-M")
    expect(page.locator("#history tr.kind-adjust").first).to_contain_text("undo of scan")
    expect(page.locator("#history tr.kind-receive").first).to_contain_text("user:sam")
    expect(page.locator("#history tr.kind-receive")).to_have_count(4)
    expect(page.locator("#history tr.kind-receive").last).to_contain_text("PO-1")
    expect(page.locator("svg.chart")).to_be_visible()
    page.screenshot(path=str(artifacts / "06-variant.png"), full_page=True)

    page.goto(f"{live_server.url}/labels?what=variants&q=TEE")
    expect(page.locator(".label svg")).to_have_count(1)
    page.screenshot(path=str(artifacts / "07-labels.png"), full_page=True)
    context.close()
