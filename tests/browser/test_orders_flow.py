"""Orders in real Chromium, at desktop width and on a 390 px handheld: a manual order is placed by
searching and scanning SKUs, fulfilled by scanning to pick, then returned into a chosen type —
and the same acts through the API leave the same ledger."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, expect

from tests import api_factories as af
from tests import factories as f
from truecount.adapters.db.engine import Database
from truecount.domain.commands import CreateChannel
from truecount.entrypoints.api.app import create_app
from truecount.services.bootstrap import init_database, merchant_scope
from truecount.services.channels.setup import create_channel
from truecount.services.orders.browse import OrderQuery, find_orders, order_story
from truecount.settings import Settings

from .conftest import LiveServer
from .test_dashboard import sign_in

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)  # a loaded machine can take more than the default 5 s

SIZES = {"desktop": {"width": 1280, "height": 900}, "handheld": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def shop(live_server: LiveServer) -> LiveServer:
    scope = merchant_scope(live_server.db, "default", "seed")
    create_channel(live_server.db, scope, CreateChannel(code="phone", kind="manual", locations=["WH1"]))
    f.receive(live_server.db, scope, "MUG", 10, "WH1")
    f.receive(live_server.db, scope, "TEE-M", 20, "WH1")
    return live_server


def order_ledger(db: Database, external_id: str) -> list[tuple[Any, ...]]:
    """What the acts on one order left in the ledger, oldest first, as a person reads it."""
    scope = merchant_scope(db, "default", "reader")
    (found,) = [o for o in find_orders(db, scope, OrderQuery(channel="phone")) if o.external_id == external_id]
    history = order_story(db, scope, found.id).history
    return [
        (h.kind, h.sku, h.location, h.inventory_type, h.lot, h.on_hand_delta, h.booked_delta) for h in reversed(history)
    ]


def place_pick_ship_and_return(browser: Browser, shop: LiveServer, artifacts: Path, size: str, reference: str) -> None:
    context = browser.new_context(viewport=SIZES[size])
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in(page, shop)
    page.goto(f"{shop.url}/orders")
    page.click("#new-order")
    page.select_option("#channel", "phone")
    page.fill("#external_id", reference)
    page.fill("#find", "mu")  # a typed search shows a list to pick from
    page.locator("#found button", has_text="MUG").click()
    page.fill("#find", "400000000001")  # a scanned barcode is taken at once
    page.press("#find", "Enter")
    page.fill("#find", "400000000001")
    page.press("#find", "Enter")
    expect(page.locator('#order-lines input[name="sku"]')).to_have_count(2)
    expect(page.locator('#order-lines tr[data-sku="TEE-M"] input[name="quantity"]')).to_have_value("2")
    page.screenshot(path=str(artifacts / f"orders-{size}-1-new.png"), full_page=True)
    page.click("#place")
    expect(page.locator("#done")).to_contain_text("recorded")
    expect(page.locator("#status")).to_have_text("open")
    expect(page.locator('#lines tr[data-sku="TEE-M"] td.bookings')).to_contain_text("WH1: 2")

    for code in ("400000000001", "400000000001", "MUG"):
        page.fill("#pick-scan", code)
        page.press("#pick-scan", "Enter")
    expect(page.locator("#pick-result")).to_contain_text("picked MUG: 1 of 1")
    page.fill("#pick-scan", "MUG")
    page.press("#pick-scan", "Enter")
    expect(page.locator("#pick-result")).to_contain_text("all 1 ready are already picked")
    page.screenshot(path=str(artifacts / f"orders-{size}-2-picked.png"), full_page=True)
    page.click("#ship")
    expect(page.locator("#done")).to_contain_text("shipped")
    expect(page.locator("#status")).to_have_text("fulfilled")
    expect(page.locator('#lines tr[data-sku="TEE-M"] td.shipped')).to_have_text("2")

    page.locator("#return-section summary").click()
    page.select_option("#return-type", "damaged")
    page.fill('#return input[aria-label="return TEE-M"]', "1")
    page.click("#return-submit")
    expect(page.locator("#done")).to_contain_text("returned")
    expect(page.locator('#lines tr[data-sku="TEE-M"] td.returned')).to_have_text("1")
    expect(page.locator("#history tr.kind-return")).to_contain_text("damaged")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    page.screenshot(path=str(artifacts / f"orders-{size}-3-returned.png"), full_page=True)

    page.goto(f"{shop.url}/orders?status=fulfilled&channel=phone")
    expect(page.locator("#orders tr.order", has_text=reference)).to_have_count(1)
    context.close()


@pytest.mark.parametrize("size", ["desktop", "handheld"])
def test_a_manual_order_is_placed_fulfilled_by_scanning_and_returned_as_damaged(
    browser: Browser, shop: LiveServer, artifacts: Path, size: str
) -> None:
    place_pick_ship_and_return(browser, shop, artifacts, size, f"PHONE-{size}")


def test_the_same_order_acts_through_the_api_leave_the_same_ledger(
    browser: Browser, shop: LiveServer, artifacts: Path, tmp_path: Path
) -> None:
    """The browser's acts and the API's, on a twin shop, give the same movements."""
    place_pick_ship_and_return(browser, shop, artifacts, "desktop", "PHONE-twin")
    db = Database(f"sqlite:///{tmp_path / 'twin.db'}")
    init_database(db)
    scope = merchant_scope(db, "default", "seed")
    f.location(db, scope, "WH1")
    f.location(db, scope, "QC", saleable=False)
    f.variant(db, scope, "TEE-M", barcodes=["400000000001"])
    f.variant(db, scope, "MUG")
    f.receive(db, scope, "TEE-M", 5, "WH1", reference="PO-1")
    f.receive(db, scope, "MUG", 10, "WH1")
    create_channel(db, scope, CreateChannel(code="phone", kind="manual", locations=["WH1"]))
    api = TestClient(create_app(Settings(database_url=str(db.engine.url), secret_key="twin"), db))
    api.headers["Authorization"] = f"Bearer {af.token(db, scope, 'staff')}"
    lines = [{"sku": "MUG", "quantity": 1}, {"sku": "400000000001", "quantity": 2}]
    order = api.post("/api/v1/orders", json={"channel": "phone", "external_id": "PHONE-twin", "lines": lines})
    assert order.status_code == 201, order.text
    oid = order.json()["id"]
    shipped = api.post(
        f"/api/v1/orders/{oid}/fulfil",
        json={"lines": [{"sku": "MUG", "quantity": 1}, {"sku": "TEE-M", "quantity": 2}]},  # in line order, as the page
    )
    assert shipped.status_code == 200, shipped.text
    back = {"lines": [{"sku": "TEE-M", "quantity": 1, "location": "WH1", "inventory_type": "damaged"}]}
    assert api.post(f"/api/v1/orders/{oid}/return", json=back).status_code == 200
    by_browser = order_ledger(shop.db, "PHONE-twin")
    assert [row[0] for row in by_browser] == ["book", "book", "ship", "ship", "return"]
    assert by_browser == order_ledger(db, "PHONE-twin")
    db.dispose()
