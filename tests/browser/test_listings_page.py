"""A channel's listings page in real Chromium: two listings of one variant, each with its own quantity rule
and price, their figures and explanations; reached from the channels page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests import offer_factories as of
from truecount.domain.commands import ListingChange
from truecount.services.bootstrap import merchant_scope
from truecount.services.offers import listing_terms, listings

from .conftest import LiveServer

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def shop(live_server: LiveServer) -> LiveServer:
    db = live_server.db
    scope = merchant_scope(db, "default", "seed")
    of.channel(db, scope, "amz", ["WH1"], kind="amazon")
    of.listing(db, scope, "amz", "TEE-M", {"seller_sku": "TEE-M"})
    listings.add_listing(db, scope, "amz", "TEE-M", {"seller_sku": "TEE-M-2PK"}, units_per_sale=2)
    change = listing_terms.change_listing
    change(db, scope, "amz", "TEE-M", ListingChange(steps=["reserve=1", "cap=3"], price=["fixed=12.00"]))
    change(db, scope, "amz", "TEE-M-2PK", ListingChange(price=["fixed=22.00", "tier=5:+10%"]))
    return live_server


@pytest.fixture
def page(browser: Browser, shop: LiveServer) -> Iterator[Page]:
    context: BrowserContext = browser.new_context(viewport={"width": 1200, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{shop.url}/login?next=/channels")
    page.fill('input[name="name"]', shop.user)
    page.fill('input[name="password"]', shop.password)
    page.click('button[type="submit"]')
    expect(page).to_have_url(f"{shop.url}/channels")
    yield page
    context.close()


def test_the_listings_of_a_channel_show_their_own_quantity_price_and_why(page: Page, shop: LiveServer) -> None:
    page.locator('tr[data-channel="amz"] a', has_text="listings").click()
    expect(page).to_have_url(f"{shop.url}/channels/amz/listings")
    single = page.locator('tr[data-ref="TEE-M"]')
    pack = page.locator('tr[data-ref="TEE-M-2PK"]')
    expect(single.locator(".quantity")).to_have_text("3")  # 5 − 1 = 4, at most 3
    expect(single.locator(".price")).to_have_text("12.00")
    expect(single.locator(".rule")).to_have_text("reserve=1 → cap=3")
    expect(pack.locator(".quantity")).to_have_text("2")  # 5 units, 2 a sale
    expect(pack.locator(".price")).to_have_text("24.20")  # fewer than 5 offered: +10 %
    single.locator("summary").click()
    expect(single.locator(".why")).to_contain_text("minus reserve 1, not below 0: 5 → 4")
    expect(single.locator(".why")).to_contain_text("at most 3: 4 → 3")
    pack.locator("summary").click()
    expect(pack.locator(".why")).to_contain_text("2 units per sale")
    expect(pack.locator(".price-why")).to_contain_text("fewer than 5 offered (2): +10%: 22.00 → 24.20")
