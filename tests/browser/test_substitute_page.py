"""The order page in real Chromium shows a line shipped as a substitute — what ships instead, how
many, why, and that the customer must be told — and picking it by scanning the substitute ships it."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests import factories as f
from truecount.domain.commands import CreateChannel, OrderLineSpec, PlaceOrder
from truecount.domain.substitutes import AddSubstitute
from truecount.services.bootstrap import merchant_scope
from truecount.services.catalog.substitutes import add_substitute
from truecount.services.channels.setup import create_channel
from truecount.services.orders.place import place_order
from truecount.services.stock import levels

from .conftest import LiveServer
from .test_dashboard import sign_in

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)  # a loaded machine can take more than the default 5 s


def test_the_order_page_shows_the_substitute_a_short_line_ships_and_picks_it_by_scanning_it(
    browser: Browser, live_server: LiveServer, artifacts: Path
) -> None:
    db = live_server.db
    scope = merchant_scope(db, "default", "seed")
    create_channel(db, scope, CreateChannel(code="shop-web", kind="manual", locations=["WH1"]))
    f.variant(db, scope, "TEE-BLK", name="Black tee")
    f.variant(db, scope, "TEE-NVY", name="Navy tee", barcodes=["400000000099"])
    f.receive(db, scope, "TEE-NVY", 6, "WH1")
    add_substitute(db, scope, AddSubstitute("TEE-BLK", "TEE-NVY", notify=True))
    order = place_order(db, scope, PlaceOrder("shop-web", "sub-1", [OrderLineSpec("TEE-BLK", 3)]))
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    page = context.new_page()
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/orders/{order.id}")
    line = page.locator('#lines tr[data-sku="TEE-BLK"]')
    expect(line.locator(".substitute")).to_contain_text("ships 3 × TEE-NVY instead")
    expect(line.locator(".substitute .tag")).to_have_text("tell the customer")
    expect(line.locator(".substitute")).to_contain_text("TEE-BLK had 0 free of 3 on shop-web")
    expect(line.locator(".bookings")).to_contain_text("WH1 (TEE-NVY): 3")
    page.screenshot(path=str(artifacts / "order-substitute.png"), full_page=True)
    scan = page.locator("#pick-scan")
    for _ in range(3):
        scan.fill("400000000099")  # the navy tee's barcode: picks the line that ships it
        scan.press("Enter")
    expect(page.locator("#pick-result")).to_contain_text("picked TEE-NVY for TEE-BLK: 3 of 3")
    page.click("#ship")
    expect(page.locator("#status")).to_have_text("fulfilled")
    [row] = levels.stock(db, scope, "TEE-NVY")
    assert (row.on_hand, row.booked) == (3, 0)
    context.close()
