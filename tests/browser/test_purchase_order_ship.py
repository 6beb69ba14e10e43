"""The purchase order page in real Chromium: an admin records a supplier's shipment with the ship form
(carrier, tracking, quantities per SKU), sees it listed, a refusal keeps the typed values, and the rest
closes the purchase order."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, expect

from tests import order_factories as o
from tests.purchase_factories import sent, two_suppliers
from truecount.adapters.db.engine import Database
from truecount.entrypoints.api.app import create_app
from truecount.services.accounts import users as accounts
from truecount.services.bootstrap import init_database, merchant_scope
from truecount.services.orders.views import get_order
from truecount.services.purchasing import records
from truecount.settings import Settings

from .conftest import LiveServer, _free_port
from .test_dashboard import sign_in

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)  # a loaded machine can take more than the default 5 s


@pytest.fixture
def shipping_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A server with ACME's purchase order for order W1 (SNK:3) sent, and an admin."""
    url = f"sqlite:///{tmp_path / 'truecount.db'}"
    db = Database(url)
    init_database(db)
    scope = merchant_scope(db, "default", "seed")
    two_suppliers(db, scope)
    o.order(db, scope, "W1", ("SNK", 3))
    sent(db, scope)
    accounts.add_user(db, scope, "ada", "admin", "password-1")
    settings = Settings(database_url=url, secret_key="browser-test")
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings, db), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", db, "ada", "password-1")
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        db.dispose()


def test_an_admin_ships_part_then_the_rest_from_the_purchase_order_page(
    browser: Browser, shipping_server: LiveServer, artifacts: Path
) -> None:
    live = shipping_server
    scope = merchant_scope(live.db, "default", "seed")
    (po,) = records.list_purchase_orders(live.db, scope, supplier="ACME")
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    sign_in(page, live)
    page.goto(f"{live.url}/purchase-orders/{po.id}")
    expect(page.locator("#po-state")).to_have_text("sent")
    expect(page.locator("#po-no-shipments")).to_be_visible()
    expect(page.locator("#ship-qty-SNK")).to_have_value("3")  # everything still open, by default
    page.fill("#ship-carrier", "UPS")
    page.fill("#ship-tracking", "1Z999AA1")
    page.fill("#ship-url", "https://ups.example/1Z999AA1")
    page.fill("#ship-qty-SNK", "5")
    page.click("#po-ship")
    expect(page.locator("#refusal")).to_contain_text("only 3 of SNK open")
    expect(page.locator("#ship-tracking")).to_have_value("1Z999AA1")  # what was typed is kept
    expect(page.locator("#ship-qty-SNK")).to_have_value("5")
    page.fill("#ship-qty-SNK", "2")
    page.click("#po-ship")
    expect(page.locator("#done")).to_have_text("✔ shipment UPS 1Z999AA1 recorded")
    expect(page.locator("#po-state")).to_have_text("shipped")
    row = page.locator('#po-shipments tr[data-tracking="1Z999AA1"]')
    expect(row).to_contain_text("2 × SNK (web/W1)")
    expect(row.locator("a")).to_have_attribute("href", "https://ups.example/1Z999AA1")
    expect(page.locator('#po-lines tr[data-sku="SNK"]')).to_contain_text("2")
    expect(page.locator("#ship-qty-SNK")).to_have_value("1")
    page.fill("#ship-carrier", "DHL")
    page.fill("#ship-tracking", "JD0002")
    page.click("#po-ship")
    expect(page.locator("#po-state")).to_have_text("closed")
    expect(page.locator("#po-ship-form")).to_have_count(0)  # nothing left to ship
    expect(page.locator("#po-shipments tbody tr")).to_have_count(2)
    page.screenshot(path=str(artifacts / "purchase-order-shipped.png"), full_page=True)
    context.close()
    assert get_order(live.db, scope, po.lines[0].order_id).lines[0].fulfilled == 3
