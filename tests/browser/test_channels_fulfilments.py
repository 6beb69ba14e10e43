"""The channels page in real Chromium counts a channel's fulfilments with tracking: waiting, refused by the
channel, and the channel's last refusal on hover."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests import offer_factories as of
from truecount.adapters.channels.base import FulfilmentItem, FulfilmentLine, FulfilmentResult
from truecount.services.bootstrap import merchant_scope
from truecount.services.channels.setup import load_channel
from truecount.services.sync import fulfilment_push
from truecount.services.sync.fulfilments import queue_fulfilment

from .conftest import LiveServer

pytestmark = pytest.mark.browser
REFUSAL = "eBay refused (HTTP 404): 32100 Invalid order ID: 99-99999-99999"


@pytest.fixture(scope="module")
def shop(live_server: LiveServer) -> LiveServer:
    db = live_server.db
    scope = merchant_scope(db, "default", "seed")
    of.channel(db, scope, "ebay", ["WH1"], kind="ebay")
    with db.read() as conn:
        channel_id = load_channel(conn, scope.merchant_id, "ebay").id
    with db.write() as conn:
        for key, order in (("waiting", "12-00001-00001"), ("unknown", "99-99999-99999")):
            item = FulfilmentItem(order, key, "UPS", f"1Z-{key}", (FulfilmentLine("MUG", 1),), True)
            queue_fulfilment(conn, scope.merchant_id, channel_id, item)
    fulfilment_push.claim(db, scope.merchant_id, channel_id, "w1", limit=10, lease_s=600)
    refused = [FulfilmentResult("unknown", False, REFUSAL, retryable=False)]
    fulfilment_push.complete(db, scope.merchant_id, channel_id, "w1", refused)
    return live_server


@pytest.fixture
def page(browser: Browser, shop: LiveServer) -> Iterator[Page]:
    context: BrowserContext = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{shop.url}/login?next=/channels")
    page.fill('input[name="name"]', shop.user)
    page.fill('input[name="password"]', shop.password)
    page.click('button[type="submit"]')
    expect(page).to_have_url(f"{shop.url}/channels")
    yield page
    context.close()


def test_the_channels_page_counts_fulfilments_waiting_and_refused_with_the_last_refusal(page: Page) -> None:
    cell = page.locator('tr[data-channel="ebay"] td.fulfilments')
    expect(cell).to_have_text("1 queued, 1 refused")
    expect(cell).to_have_attribute("title", REFUSAL)
    expect(cell).to_have_class("fulfilments negative")
    expect(page.locator("th", has_text="Fulfilments")).to_be_visible()
