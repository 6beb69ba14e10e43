"""The trackers page in real Chromium: Save, Save and add another, switching merchant clears the product."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests import factories as f
from truecount.services.accounts import merchant_access
from truecount.services.bootstrap import init_database, merchant_scope
from truecount.services.trackers.watch import list_trackers

from .conftest import LiveServer

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def shop(live_server: LiveServer) -> LiveServer:
    """A client merchant whose stock sam (a user of ``default``, the 3PL) may look after."""
    db = live_server.db
    init_database(db, "client")
    client = merchant_scope(db, "client", "seed")
    f.location(db, client, "WH1")
    f.variant(db, client, "CANDLE", name="Vanilla candle")
    f.receive(db, client, "CANDLE", 3, "WH1")
    merchant_access.grant(db, client, "default", live_server.user)
    return live_server


@pytest.fixture
def page(browser: Browser, shop: LiveServer) -> Iterator[Page]:
    context: BrowserContext = browser.new_context(viewport={"width": 1200, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{shop.url}/login?next=/trackers")
    page.fill('input[name="name"]', shop.user)
    page.fill('input[name="password"]', shop.password)
    page.click('button[type="submit"]')
    expect(page).to_have_url(f"{shop.url}/trackers")
    yield page
    context.close()


def pick_product(page: Page, query: str, sku: str) -> None:
    page.fill("#product-search", query)
    page.locator(f'#product-results button[data-sku="{sku}"]').click()
    expect(page.locator("#chosen-sku")).to_have_text(sku)


def test_save_creates_a_tracker_shown_in_the_list(page: Page, shop: LiveServer, artifacts: Path) -> None:
    expect(page.locator("#tracker-form")).to_be_hidden()
    page.click("#add-tracker")
    expect(page.locator("#upsert-note")).to_contain_text("updates the existing tracker")
    pick_product(page, "mug", "MUG")
    page.select_option("#inventory_type", "good")
    page.select_option("#mechanism", "stock_quantity")
    expect(page.locator("#below")).to_be_visible()
    expect(page.locator("#lookback_days")).to_be_hidden()
    page.fill("#below", "10")
    page.screenshot(path=str(artifacts / "trackers-01-form.png"), full_page=True)
    page.click("#save")
    expect(page.locator("#saved")).to_contain_text("Stock quantity tracker for MUG (good) created")
    expect(page.locator("#tracker-form")).to_be_hidden()
    row = page.locator('#trackers tr[data-sku="MUG"]')
    expect(row).to_have_class("alert")
    expect(row.locator("td.health")).to_have_text("0.0%")
    page.screenshot(path=str(artifacts / "trackers-02-saved.png"), full_page=True)
    row.locator("a.edit").click()  # the same key again: an update
    expect(page.locator("#below")).to_have_value("10")
    expect(page.locator("#chosen-sku")).to_have_text("MUG")
    page.fill("#below", "4")
    page.click("#save")
    expect(page.locator("#saved")).to_contain_text("Stock quantity tracker for MUG (good) updated")
    expect(row).to_contain_text("below 4")
    expect(page.locator('#trackers tr[data-sku="MUG"]')).to_have_count(1)


def test_save_and_add_another_keeps_the_form_open_and_empty_and_only_one_mechanisms_fields_show(
    page: Page, shop: LiveServer, artifacts: Path
) -> None:
    page.click("#add-tracker")
    pick_product(page, "blue", "TEE-M")
    page.select_option("#inventory_type", "good")
    page.select_option("#mechanism", "turnover_days")
    expect(page.locator("#below")).to_be_hidden()
    expect(page.locator("#quantity")).to_be_hidden()
    expect(page.locator("#coverage_days")).to_be_visible()
    expect(page.locator("#expiry_days")).to_be_visible()
    page.fill("#lookback_days", "30")
    page.fill("#coverage_days", "14")
    page.click("#save-add")
    expect(page.locator("#saved")).to_contain_text("Turnover days tracker for TEE-M (good) created")
    expect(page.locator("#tracker-form")).to_be_visible()
    expect(page.locator("#chosen")).to_be_hidden()
    expect(page.locator("#sku")).to_have_value("")
    expect(page.locator('#trackers tr[data-sku="TEE-M"]')).to_contain_text("no sales in the last 30 days")
    page.screenshot(path=str(artifacts / "trackers-03-save-and-add-another.png"), full_page=True)
    page.select_option("#mechanism", "stalled_days")
    expect(page.locator("#expiry_days")).to_be_hidden()
    expect(page.locator("#quantity")).to_be_visible()
    page.click("#cancel")
    expect(page.locator("#tracker-form")).to_be_hidden()
    mechanisms = {(r.sku, r.mechanism) for r in list_trackers(shop.db, merchant_scope(shop.db, "default", "t"))}
    assert ("TEE-M", "turnover_days") in mechanisms


def test_switching_merchant_clears_the_chosen_product_and_type(page: Page, shop: LiveServer, artifacts: Path) -> None:
    page.click("#add-tracker")
    pick_product(page, "TEE", "TEE-M")
    page.select_option("#inventory_type", "good")
    page.select_option("#merchant", "client")
    expect(page.locator("#chosen")).to_be_hidden()
    expect(page.locator("#sku")).to_have_value("")
    expect(page.locator("#inventory_type")).to_have_value("")
    expect(page.locator("#inventory_type")).to_have_attribute("data-merchant", "client")
    expect(page.locator("#list-merchant")).to_contain_text("(client)")
    expect(page.locator("#tracker-list")).to_contain_text("No trackers yet")  # the list follows the merchant
    page.fill("#product-search", "TEE")
    expect(page.locator("#product-results")).to_contain_text("no product matches")  # another merchant's catalogue
    pick_product(page, "vanilla", "CANDLE")
    page.select_option("#inventory_type", "good")
    page.select_option("#mechanism", "stock_quantity")
    page.fill("#below", "2")
    page.screenshot(path=str(artifacts / "trackers-04-merchant-switched.png"), full_page=True)
    page.click("#save")
    expect(page.locator("#saved")).to_contain_text("Stock quantity tracker for CANDLE (good) created")
    expect(page.locator('#trackers tr[data-sku="CANDLE"] td.health')).to_have_text("150.0%")
    expect(page.locator("h1")).to_contain_text("(client)")
    page.screenshot(path=str(artifacts / "trackers-05-client-list.png"), full_page=True)
    assert [r.sku for r in list_trackers(shop.db, merchant_scope(shop.db, "client", "t"))] == ["CANDLE"]
