"""Each connector, against its running emulator: pushes land, read-back agrees, per-item errors stay
per item, compare-and-set recovers, orders are polled with a cursor, webhooks are verified."""

from __future__ import annotations

import httpx
import pytest

from tests.sync.conftest import channel_config, state, wait_for
from truecount.adapters.channels import connector_for
from truecount.adapters.channels.base import PushItem
from truecount.emulators.runner import RunningEmulator

KINDS = ["shopify", "amazon", "ebay", "woocommerce"]
REFS = {
    "shopify": ["11", "12@8"],
    "amazon": ["MUG-1", "MUG-2"],
    "ebay": ["TEE-1", "TEE-2"],
    "woocommerce": ["31", "40/41"],
}


@pytest.mark.parametrize("kind", KINDS)
def test_a_pushed_quantity_lands_on_the_channel_and_reads_back(emu: dict[str, RunningEmulator], kind: str) -> None:
    connector = connector_for(kind, channel_config(kind, emu[kind].url))
    refs = REFS[kind]
    results = connector.push([PushItem(ref, 5 + n, None, f"k{n}") for n, ref in enumerate(refs)])
    assert [r.ok for r in results] == [True, True]
    # Amazon's ACCEPTED means accepted for processing: the quantity shows a moment later
    assert wait_for(lambda: connector.read_back(refs) == {refs[0]: 5, refs[1]: 6}, 5)
    assert state(emu[kind])["violations_total"] == 0


def test_amazon_batches_go_as_one_listings_feed(emu: dict[str, RunningEmulator]) -> None:
    connector = connector_for("amazon", channel_config("amazon", emu["amazon"].url, use_feeds=True))
    results = connector.push([PushItem(f"SKU-{n}", n, None, f"k{n}") for n in range(30)])
    assert all(r.ok for r in results)
    feeds = httpx.get(emu["amazon"].url + "/_emulator/feeds").json()
    assert len(feeds) == 1 and feeds[0]["processingStatus"] == "DONE"
    assert connector.read_back(["SKU-29"]) == {"SKU-29": 29}


def test_ebay_splits_pushes_into_batches_of_25_and_keeps_failures_per_sku(emu: dict[str, RunningEmulator]) -> None:
    connector = connector_for("ebay", channel_config("ebay", emu["ebay"].url))
    items = [PushItem(f"SKU-{n}", 1, None, f"k{n}") for n in range(60)] + [PushItem("X" * 51, 1, None, "bad")]
    results = connector.push(items)
    assert [r.ok for r in results].count(True) == 60
    assert not results[-1].ok and not results[-1].retryable


def test_woocommerce_reports_an_invalid_product_per_item_inside_a_200(emu: dict[str, RunningEmulator]) -> None:
    connector = connector_for("woocommerce", channel_config("woocommerce", emu["woocommerce"].url))
    results = connector.push([PushItem("0", 3, None, "a"), PushItem("7", 3, None, "b")])
    assert [(r.ok, r.retryable) for r in results] == [(False, False), (True, True)]
    assert "invalid_id" in str(results[0].error)


def test_shopify_recovers_from_a_stale_compare_and_set_by_reading_back(emu: dict[str, RunningEmulator]) -> None:
    url = emu["shopify"].url
    httpx.put(url + "/_emulator/listings/11@7", json={"quantity": 9}).raise_for_status()  # edited in Shopify's admin
    connector = connector_for("shopify", channel_config("shopify", url))
    [result] = connector.push([PushItem("11", 4, 10, "k")])  # we believed the shop held 10
    assert result.ok
    assert state(emu["shopify"])["listings"] == {"11@7": 4}


@pytest.mark.parametrize("kind", KINDS)
def test_with_30_percent_faults_pushes_still_land_without_a_rate_limit_violation(
    emu: dict[str, RunningEmulator], kind: str
) -> None:
    url = emu[kind].url
    faults = {"error_rate": 0.1, "timeout_rate": 0.1, "drop_rate": 0.1, "stale_rate": 0.1, "timeout_s": 2.5, "seed": 7}
    httpx.put(url + "/_emulator/faults", json=faults).raise_for_status()
    connector = connector_for(kind, channel_config(kind, url, timeout_s=0.5))
    refs = [f"{n + 1}" for n in range(8)] if kind in ("shopify", "woocommerce") else [f"S{n}" for n in range(8)]
    for round_ in range(3):
        results = connector.push([PushItem(ref, 10 + round_, None, f"{ref}:{round_}") for ref in refs])
        assert all(r.ok for r in results), results
    httpx.put(url + "/_emulator/faults", json={}).raise_for_status()
    expected = {ref: 12 for ref in refs}

    def shown() -> dict[str, int]:
        listings = state(emu[kind])["listings"]
        return {ref: listings[ref if kind != "shopify" else f"{ref}@7"] for ref in refs}  # type: ignore[index]

    assert wait_for(lambda: shown() == expected, 5), shown()  # Amazon applies an ACCEPTED patch a moment later
    assert state(emu[kind])["violations_total"] == 0


@pytest.mark.parametrize("kind", ["amazon", "ebay"])
def test_orders_are_polled_from_a_cursor_and_cancellations_come_through(
    emu: dict[str, RunningEmulator], kind: str
) -> None:
    url = emu[kind].url
    connector = connector_for(kind, channel_config(kind, url))
    httpx.post(url + "/_emulator/orders", json={"lines": [{"ref": "MUG-1", "quantity": 2}]}).raise_for_status()
    orders, cursor = connector.poll_orders(None)
    assert [(o.event, [(line.sku, line.quantity) for line in o.lines]) for o in orders] == [("created", [("MUG-1", 2)])]
    order_id = orders[0].external_id
    httpx.post(f"{url}/_emulator/orders/{order_id}/cancel").raise_for_status()
    later, _ = connector.poll_orders(cursor)
    assert ("cancelled", order_id) in [(o.event, o.external_id) for o in later]


@pytest.mark.parametrize("kind", ["shopify", "woocommerce"])
def test_webhooks_are_verified_by_signature_and_parsed_into_order_events(
    emu: dict[str, RunningEmulator], kind: str
) -> None:
    url = emu[kind].url
    connector = connector_for(kind, channel_config(kind, url))
    delivery = httpx.post(
        url + "/_emulator/orders", json={"lines": [{"ref": "31", "quantity": 1, "sku": "TEE"}]}
    ).json()["delivery"]
    body = delivery["body"].encode()
    assert connector.verify_webhook(delivery["headers"], body)
    assert not connector.verify_webhook(delivery["headers"], body + b" ")
    parsed = connector.parse_webhook(delivery["headers"], body)
    assert [(o.event, o.lines[0].sku, o.lines[0].quantity) for o in parsed.orders] == [("created", "TEE", 1)]
    assert parsed.delivery_id
