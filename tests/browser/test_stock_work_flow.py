"""Stock work in real Chromium, at desktop width and on a 390 px handheld: receive 48 with a lot by
scanning, transfer 10 into a bin, then a stocktake of the location with a variance, approved —
and the same acts through the API leave the same ledger."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Route, expect

from tests import api_factories as af
from tests import factories as f
from truecount.adapters.db.engine import Database
from truecount.entrypoints.api.app import create_app
from truecount.services.bootstrap import init_database, merchant_scope
from truecount.services.stock import levels as stock
from truecount.settings import Settings

from .conftest import LiveServer
from .test_dashboard import sign_in

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)  # a loaded machine can take more than the default 5 s

SIZES = {"desktop": {"width": 1280, "height": 900}, "handheld": {"width": 390, "height": 844}}
BARCODES = {"desktop": "500000000001", "handheld": "500000000002", "twin": "500000000003"}


@pytest.fixture(scope="module")
def shop(live_server: LiveServer) -> LiveServer:
    scope = merchant_scope(live_server.db, "default", "seed")
    f.location(live_server.db, scope, "WH1-A", parent="WH1", name="Bin A")
    for run, code in BARCODES.items():
        f.variant(live_server.db, scope, f"OIL-{run.upper()}", name=f"Olive oil {run}", barcodes=[code])
    return live_server


def movements_of(db: Database, sku: str) -> list[tuple[Any, ...]]:
    scope = merchant_scope(db, "default", "reader")
    return [
        (h.kind, h.location, h.inventory_type, h.lot, h.on_hand_delta, h.counted)
        for h in reversed(stock.history(db, scope, sku))
    ]


def levels_of(db: Database, sku: str) -> dict[str, int]:
    scope = merchant_scope(db, "default", "reader")
    return {r.location: r.on_hand for r in stock.stock(db, scope, sku)}


def receive_transfer_and_count(browser: Browser, shop: LiveServer, artifacts: Path, size: str, run: str) -> str:
    sku, code = f"OIL-{run.upper()}", BARCODES[run]
    context = browser.new_context(viewport=SIZES[size])
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, shop)

    page.goto(f"{shop.url}/work?act=receive")
    page.fill("#sku", code)  # scanned: Enter takes the exact match
    page.press("#sku", "Enter")
    expect(page.locator("#sku")).to_have_value(sku)
    page.fill("#quantity", "48")
    page.select_option("#location", "WH1")
    page.fill("#lot", "L-2611")
    page.fill("#expires_on", "2027-03-01")
    page.fill("#reference", "PO-9")
    page.screenshot(path=str(artifacts / f"work-{size}-1-receive.png"), full_page=True)
    page.click("#submit")
    expect(page.locator("#done")).to_contain_text(f"received 48 × {sku} (lot L-2611) at WH1 — on hand 48 at WH1")

    page.goto(f"{shop.url}/work?act=transfer")
    held: list[Route] = []  # the scanned code's look-up has not answered when the form is sent
    page.route("**/find/variants*", lambda route: held.append(route))
    page.fill("#sku", code)
    page.press("#sku", "Enter")
    page.fill("#quantity", "10")
    page.select_option("#location", "WH1")
    page.select_option("#to_location", "WH1-A")
    page.click("#submit")
    expect(page.locator("#done")).to_contain_text(f"moved 10 × {sku} at WH1 → WH1-A — on hand 38 at WH1")
    assert held, "the scan was looked up"
    page.unroute("**/find/variants*")

    page.goto(f"{shop.url}/stocktakes")
    page.select_option("#st-location", "WH1")
    page.click("#st-start")
    expect(page.locator("#st-status")).to_have_text("counting")
    page.evaluate("window.notReloaded = true")  # scans and typed figures must keep this page
    page.select_option("#st-place", "WH1-A")
    page.fill("#st-code", "NO-SUCH-CODE")
    page.press("#st-code", "Enter")
    expect(page.locator("#refusal")).to_contain_text("NO-SUCH-CODE")
    page.fill("#st-quantity", "8")
    page.fill("#st-code", code)
    page.press("#st-code", "Enter")
    expect(page.locator("#done")).to_contain_text(f"counted 8 × {sku}: 8 so far at WH1-A")
    page.fill("#st-code", code)  # one more, one at a time
    page.press("#st-code", "Enter")
    expect(page.locator("#done")).to_contain_text("9 so far at WH1-A")
    expect(page.locator("#st-place")).to_have_value("WH1-A")  # the place is kept between scans
    page.fill(f'#st-table tr[data-place="WH1"][data-sku="{sku}"] input', "37")
    page.click("#st-save")
    row = page.locator(f'#st-table tr[data-place="WH1-A"][data-sku="{sku}"]')
    expect(row.locator("td.variance")).to_have_text("-1")
    expect(page.locator(f'#st-table tr[data-place="WH1"][data-sku="{sku}"] td.variance')).to_have_text("-1")
    expect(page.locator("#done")).to_contain_text("1 figure recorded")
    expect(page.locator("#st-variance")).to_have_text("-2")
    assert page.evaluate("window.notReloaded") is True
    page.screenshot(path=str(artifacts / f"work-{size}-2-stocktake.png"), full_page=True)
    page.click("#st-approve")
    expect(page.locator("#st-status")).to_have_text("approved")
    expect(page.locator("#done")).to_contain_text("counts posted")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    page.screenshot(path=str(artifacts / f"work-{size}-3-approved.png"), full_page=True)
    context.close()
    return sku


@pytest.mark.parametrize(
    "size",
    ["desktop", "handheld"],
)
def test_receive_48_with_a_lot_transfer_into_a_bin_and_approve_a_stocktake_with_a_variance(
    browser: Browser, shop: LiveServer, artifacts: Path, size: str
) -> None:
    sku = receive_transfer_and_count(browser, shop, artifacts, size, size)
    assert levels_of(shop.db, sku) == {"WH1": 37, "WH1-A": 9}


def test_the_same_stock_work_through_the_api_leaves_the_same_ledger(
    browser: Browser, shop: LiveServer, artifacts: Path, tmp_path: Path
) -> None:
    sku = receive_transfer_and_count(browser, shop, artifacts, "desktop", "twin")
    db = Database(f"sqlite:///{tmp_path / 'twin.db'}")
    init_database(db)
    scope = merchant_scope(db, "default", "seed")
    f.location(db, scope, "WH1")
    f.location(db, scope, "WH1-A", parent="WH1")
    f.variant(db, scope, sku, barcodes=[BARCODES["twin"]])
    api = TestClient(create_app(Settings(database_url=str(db.engine.url), secret_key="twin"), db))
    api.headers["Authorization"] = f"Bearer {af.token(db, scope, 'admin')}"
    code = BARCODES["twin"]
    receive = {"kind": "receive", "sku": code, "location": "WH1", "quantity": 48, "lot": "L-2611"}
    received = api.post("/api/v1/movements", json={**receive, "expires_on": "2027-03-01", "reference": "PO-9"})
    assert received.status_code == 201 and received.json()["sku"] == sku
    move = {"kind": "transfer", "sku": sku, "location": "WH1", "to_location": "WH1-A", "quantity": 10}
    assert api.post("/api/v1/movements", json=move).status_code == 201
    take = api.post("/api/v1/stocktakes", json={"location": "WH1"})
    assert take.status_code == 201, take.text
    sid = take.json()["id"]
    scans = [
        {"sku": code, "counted": 8, "place": "WH1-A", "add": True},
        {"sku": code, "counted": 1, "place": "WH1-A", "add": True},
    ]
    for scan in scans:
        assert api.post(f"/api/v1/stocktakes/{sid}/counts", json={"lines": [scan]}).status_code == 200
    typed = api.post(f"/api/v1/stocktakes/{sid}/counts", json={"lines": [{"sku": sku, "counted": 37, "place": "WH1"}]})
    assert typed.json()["variance_units"] == -2
    assert api.post(f"/api/v1/stocktakes/{sid}/approve").json()["status"] == "approved"
    assert movements_of(db, sku) == movements_of(shop.db, sku)
    assert levels_of(db, sku) == levels_of(shop.db, sku) == {"WH1": 37, "WH1-A": 9}
    db.dispose()
