"""The purchase order pages in real Chromium: the list filtered by supplier, one purchase order with
its lines and PDF, sent by its button through a real SMTP server, acknowledged, and another cancelled."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, expect

from tests import order_factories as o
from tests.purchase_factories import two_suppliers
from tests.smtp_server import Inbox, smtp_server
from truecount.adapters.db.engine import Database
from truecount.entrypoints.api.app import create_app
from truecount.services.accounts import users as accounts
from truecount.services.bootstrap import init_database, merchant_scope
from truecount.services.purchasing import records
from truecount.settings import Settings

from .conftest import LiveServer, _free_port
from .test_dashboard import sign_in

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)  # a loaded machine can take more than the default 5 s


@pytest.fixture
def mailing_server(tmp_path: Path) -> Iterator[tuple[LiveServer, Inbox]]:
    """A server whose settings name a running SMTP server; two suppliers, an order across both."""
    url = f"sqlite:///{tmp_path / 'truecount.db'}"
    db = Database(url)
    init_database(db)
    scope = merchant_scope(db, "default", "seed")
    two_suppliers(db, scope)
    o.order(db, scope, "W1", ("SNK", 3), ("CAP", 4))
    accounts.add_user(db, scope, "sam", "staff", "password-1")
    with smtp_server() as (inbox, mailer):
        settings = Settings(
            database_url=url, secret_key="browser-test", smtp_host=mailer.host, smtp_port=mailer.port,
            smtp_from="orders@shop.example",
        )  # fmt: skip
        port = _free_port()
        server = uvicorn.Server(
            uvicorn.Config(create_app(settings, db), host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 15
        while not server.started:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.02)
        try:
            yield LiveServer(f"http://127.0.0.1:{port}", db, "sam", "password-1"), inbox
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            db.dispose()


def test_a_purchase_order_is_found_sent_acknowledged_and_another_cancelled_from_its_page(
    browser: Browser, mailing_server: tuple[LiveServer, Inbox], artifacts: Path
) -> None:
    live, inbox = mailing_server
    scope = merchant_scope(live.db, "default", "seed")
    bolt, acme = records.list_purchase_orders(live.db, scope)
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    page = context.new_page()
    sign_in(page, live)
    page.goto(f"{live.url}/purchase-orders")
    expect(page.locator("#purchase-orders tbody tr")).to_have_count(2)
    page.select_option("#po-supplier", "ACME")
    page.click("#po-show")
    expect(page.locator("#purchase-orders tbody tr")).to_have_count(1)
    page.click(f"text={acme.number}")
    expect(page.locator("#po-state")).to_have_text("draft")
    expect(page.locator('#po-lines tr[data-sku="SNK"]')).to_contain_text("AC-SNK")
    expect(page.locator("#po-total")).to_have_text("37.50 EUR")
    href = page.locator("#po-pdf").get_attribute("href")
    pdf = page.request.get(f"{live.url}{href}")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF-") and acme.number.encode() in pdf.body()
    page.click("#po-send")
    expect(page.locator("#done")).to_have_text("✔ sent to po@acme.example")
    expect(page.locator("#po-state")).to_have_text("sent")
    assert [str(m["To"]) for m in inbox.messages] == ["po@acme.example"]
    page.click("#po-ack")
    expect(page.locator("#po-state")).to_have_text("acknowledged")
    page.screenshot(path=str(artifacts / "purchase-order.png"), full_page=True)
    page.goto(f"{live.url}/purchase-orders/{bolt.id}")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#po-cancel")
    expect(page.locator("#po-state")).to_have_text("cancelled")
    expect(page.locator("#po-send")).to_have_count(0)
    assert records.get_purchase_order(live.db, scope, bolt.id).state == "cancelled"
    context.close()
