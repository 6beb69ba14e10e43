"""The channels' published definitions, followed by the emulators and the connectors: Amazon's
patchListingsItem rate, the current Orders API, GZIP feed results; eBay's 25 SKUs a call, offer-level
quantities, daily (not per-second) call limits and 250 revisions a day; Shopify's user error codes,
its "try again" for a key still in progress, and its 401 with a string ``errors``."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests import factories as f
from tests.sync.conftest import channel_config, state, token_headers, wait_for
from truecount.adapters.channels import connector_for
from truecount.adapters.channels.base import AuthFailed, PushItem
from truecount.adapters.db.engine import Database
from truecount.domain.commands import CreateChannel
from truecount.emulators import shopify as shopify_emulator
from truecount.emulators.runner import RunningEmulator, start
from truecount.services.channels.setup import create_channel
from truecount.services.common.scope import Scope
from truecount.services.offers.listings import add_listing
from truecount.services.sync.status import sync_status
from truecount.services.sync.worker import WorkerOptions, start_in_background


def test_amazon_patches_keep_to_the_published_5_a_second_burst_5(emu: dict[str, RunningEmulator]) -> None:
    amazon = start("amazon", apply_delay_s=0.0)  # the published rates, none of the suite's fast ones
    try:
        config = channel_config("amazon", amazon.url)
        del config["rate_limits"]
        connector = connector_for("amazon", config)
        results = connector.push([PushItem(f"SKU-{n}", n, None, f"k{n}") for n in range(12)])
        assert all(r.ok for r in results)
        assert state(amazon)["violations"] == {}  # before: a burst of 9 against Amazon's 5
    finally:
        amazon.stop()


def test_amazon_orders_are_searched_with_the_current_orders_api_not_the_deprecated_v0(
    emu: dict[str, RunningEmulator],
) -> None:
    url = emu["amazon"].url
    httpx.post(url + "/_emulator/orders", json={"lines": [{"ref": "MUG", "quantity": 2}]}).raise_for_status()
    connector = connector_for("amazon", channel_config("amazon", url))
    orders, _ = connector.poll_orders(None)
    assert [(o.event, [(line.sku, line.quantity) for line in o.lines]) for o in orders] == [("created", [("MUG", 2)])]
    calls = state(emu["amazon"])["operations"]
    assert calls == {"searchOrders": 1}  # items inline: no getOrderItems per order, no v0 getOrders


def test_amazon_feed_results_are_read_gzip_compressed(emu: dict[str, RunningEmulator]) -> None:
    url = emu["amazon"].url
    connector = connector_for("amazon", channel_config("amazon", url, use_feeds=True))
    results = connector.push([PushItem("A", 1, None, "a"), PushItem("B", -1, None, "b")])
    assert [(r.ok, r.retryable) for r in results] == [(True, True), (False, False)]
    assert "non-negative" in str(results[1].error)
    [feed] = httpx.get(url + "/_emulator/feeds").json()
    document = httpx.get(
        f"{url}/feeds/2021-06-30/documents/{feed['resultFeedDocumentId']}", headers=token_headers("amazon", url)
    ).json()
    assert document["compressionAlgorithm"] == "GZIP"  # before: json.loads of the compressed bytes failed


def test_ebay_sets_the_offer_quantity_with_the_inventory_item_and_keeps_25_skus_a_call(
    emu: dict[str, RunningEmulator],
) -> None:
    url = emu["ebay"].url
    httpx.put(url + "/_emulator/offers/5001", json={"sku": "MUG", "quantity": 10}).raise_for_status()
    connector = connector_for("ebay", channel_config("ebay", url))
    [result] = connector.push([PushItem("MUG", 20, None, "k", {"sku": "MUG", "offer_id": "5001"})])
    assert result.ok
    offers = httpx.get(url + "/_emulator/offers").json()
    assert offers["shown"] == {"MUG": 20}  # before: only ship-to-home moved, buyers still saw 10
    items = [PushItem(f"SKU-{n}", 1, None, f"k{n}") for n in range(60)]
    assert all(r.ok for r in connector.push(items))
    assert state(emu["ebay"])["operations"] == {"inventory": 1 + 3}  # 60 SKUs: 25 + 25 + 10


def test_ebay_limits_calls_per_day_not_per_second_and_a_listing_to_250_revisions_a_day() -> None:
    ebay = start("ebay", daily_calls={"inventory": 12})
    try:
        config = channel_config("ebay", ebay.url)
        del config["rate_per_s"], config["burst"]
        connector = connector_for("ebay", config | {"daily_calls_inventory": 1_000_000})
        results = connector.push([PushItem(f"SKU-{n}", 1, None, f"k{n}") for n in range(250)])  # 10 calls at once
        assert all(r.ok for r in results) and state(ebay)["violations"] == {}  # no per-second limit is invented
        headers = token_headers("ebay", ebay.url)
        body = {"requests": [{"sku": "SKU-0", "shipToLocationAvailability": {"quantity": 2}}]}
        codes = [
            httpx.post(
                ebay.url + "/sell/inventory/v1/bulk_update_price_quantity", json=body, headers=headers
            ).status_code
            for _ in range(3)
        ]
        assert codes == [200, 200, 429]  # the day's 12 calls are spent
        assert state(ebay)["violations"] == {"inventory": 1}
    finally:
        ebay.stop()
    revised = start("ebay")
    try:
        connector = connector_for("ebay", channel_config("ebay", revised.url))
        for n in range(250):
            assert connector.push([PushItem("MUG", n, None, f"k{n}")])[0].ok
        over, other = connector.push([PushItem("MUG", 7, None, "k"), PushItem("CUP", 7, None, "c")])
        assert (over.ok, over.retryable, other.ok) == (False, False, True)  # kept to the listing
        assert "250 times today" in str(over.error)
    finally:
        revised.stop()


def test_the_shopify_emulator_answers_only_published_user_error_codes() -> None:
    source = Path(shopify_emulator.__file__).read_text()
    used = set(re.findall(r'_errors\(\s*"([A-Z_]+)"', source))
    assert used and used <= shopify_emulator.USER_ERROR_CODES
    assert "IDEMPOTENCY_CONCURRENT_REQUEST" in used
    assert not {"CHANGE_FROM_QUANTITY_REQUIRED", "INVALID_QUANTITY_INPUT"} & set(re.findall(r'"([A-Z_]{6,})"', source))


def test_shopify_retries_a_key_still_in_progress_instead_of_refusing_the_batch(
    emu: dict[str, RunningEmulator],
) -> None:
    url = emu["shopify"].url
    httpx.put(url + "/_emulator/faults", json={"processing_s": 1.0}).raise_for_status()  # a slow mutation
    connector = connector_for("shopify", channel_config("shopify", url, timeout_s=0.4))  # times out, retries
    results = connector.push([PushItem(f"{n + 1}", 3, None, f"k{n}") for n in range(5)])
    assert all(r.ok for r in results), results  # before: the whole batch refused for an hour
    assert state(emu["shopify"])["listings"] == {f"{n + 1}@7": 3 for n in range(5)}


def test_shopify_answering_401_with_a_string_is_a_credentials_refusal_not_a_crash(
    emu: dict[str, RunningEmulator],
) -> None:
    config = channel_config("shopify", emu["shopify"].url)
    del config["client_id"], config["client_secret"]
    connector = connector_for("shopify", config | {"access_token": "shpat_revoked"})
    with pytest.raises(AuthFailed, match="Invalid API key or access token"):  # before: AttributeError
        connector.push([PushItem("11", 3, None, "k")])


@pytest.fixture
def worker(db: Database, scope: Scope) -> Iterator[None]:
    options = WorkerOptions(poll_interval_s=0.05, lease_s=5.0, channel_refresh_s=0.05, merchant_id=scope.merchant_id)
    stop = start_in_background(db, options)
    yield
    stop()


def test_an_unreachable_channel_logs_one_line_not_a_traceback_each_try(
    db: Database, scope: Scope, worker: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="truecount.sync")
    f.location(db, scope, "WH1")
    f.variant(db, scope, "MUG")
    f.receive(db, scope, "MUG", 3, "WH1")
    config: dict[str, Any] = channel_config("ebay", "http://127.0.0.1:9", timeout_s=0.2, order_poll_s=0.1)
    create_channel(db, scope, CreateChannel("ebay", "ebay", ["WH1"], config=config))
    add_listing(db, scope, "ebay", "MUG", "MUG")
    assert wait_for(lambda: sync_status(db, scope)[0].consecutive_failures >= 3, 60), sync_status(db, scope)
    mine = [r for r in caplog.records if r.name == "truecount.sync" and "ebay" in r.getMessage()]
    assert all(r.exc_info is None for r in mine)  # before: a full traceback on every try
    assert len(mine) <= 2, [r.getMessage() for r in mine]  # one line for each runner (push, orders)
