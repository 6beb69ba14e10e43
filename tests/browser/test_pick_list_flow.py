"""Pick lists in real Chromium, at desktop width and on a 390 px handheld: a pick list made for an
order on its page, shown by bin with its lot, then picked on the scan page — each scan ticks its
line, a SKU not on the list and more than the list asks are refused with a clear message."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests import factories as f
from tests import offer_factories as of
from tests import order_factories as o
from truecount.services.bootstrap import merchant_scope

from .conftest import LiveServer
from .test_dashboard import sign_in
from .test_handheld import assert_fits

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)  # a loaded machine can take more than the default 5 s

SIZES = {"desktop": {"width": 1280, "height": 900}, "handheld": {"width": 390, "height": 844}}
BARCODES = {"desktop": "600000000001", "handheld": "600000000002"}


@pytest.fixture(scope="module")
def orders(live_server: LiveServer) -> dict[str, int]:
    db, scope = live_server.db, merchant_scope(live_server.db, "default", "seed")
    f.location(db, scope, "WH1-B", parent="WH1", name="Bin B")
    of.channel(db, scope, "web", ["WH1"])
    placed = {}
    for size, code in BARCODES.items():
        sku = f"SOAP-{size.upper()}"
        f.variant(db, scope, sku, name=f"Soap {size}", barcodes=[code])
        f.receive(db, scope, sku, 3, "WH1-B", lot=f"LOT-{size.upper()}")
        placed[size] = int(o.order(db, scope, f"pick-{size}", (sku, 2)).id)
    return placed


@pytest.mark.parametrize("size", list(SIZES))
def test_a_pick_list_is_made_printed_and_picked_by_scanning(
    browser: Browser, live_server: LiveServer, orders: dict[str, int], artifacts: Path, size: str
) -> None:
    sku, code = f"SOAP-{size.upper()}", BARCODES[size]
    context = browser.new_context(viewport=SIZES[size])
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/pick-lists")
    page.select_option("#pl-location", "WH1")
    page.fill("#pl-orders", "999999")
    page.click("#pl-make")
    expect(page.locator("#refusal")).to_contain_text("no order 999999")  # refused, naming it
    expect(page.locator("#pl-location")).to_have_value("WH1")  # what was asked stays filled in
    page.fill("#pl-orders", str(orders[size]))
    page.click("#pl-make")
    expect(page.locator("h1")).to_contain_text("Pick list #")
    row = page.locator("#pick-lines tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("WH1-B")
    expect(row).to_contain_text(f"LOT-{size.upper()}")
    expect(row).to_contain_text(f"order {orders[size]}")
    if size == "handheld":
        assert_fits(page)
    page.screenshot(path=str(artifacts / f"{size}-pick-list.png"), full_page=True)

    page.click("#pl-scan")
    expect(page.locator('input[name="mode"][value="picklist"]')).to_be_checked()
    expect(page.locator("#pick-table tbody tr")).to_contain_text("0 / 2")
    scan = page.locator("#code")
    scan.fill(code)
    scan.press("Enter")
    expect(page.locator("#result.ok")).to_contain_text(f"picked 1 × {sku}")
    expect(page.locator("#pick-table tbody tr")).to_contain_text("1 / 2")
    scan.fill("MUG")
    scan.press("Enter")
    expect(page.locator("#result.refused")).to_contain_text("MUG is not on pick list")
    page.fill("#quantity", "2")
    scan.fill(code)
    scan.press("Enter")
    expect(page.locator("#result.refused")).to_contain_text("only 1 more to pick")
    expect(page.locator("#pick-table tbody tr")).to_contain_text("1 / 2")  # the refused scan ticked nothing
    page.fill("#quantity", "1")
    scan.fill(code)
    scan.press("Enter")
    expect(page.locator("#result.ok")).to_contain_text("pick list complete")
    expect(page.locator("#pick-table tbody tr.picked")).to_contain_text("2 / 2")
    if size == "handheld":
        assert_fits(page)
    page.screenshot(path=str(artifacts / f"{size}-scan-pick-list.png"), full_page=True)
    context.close()
