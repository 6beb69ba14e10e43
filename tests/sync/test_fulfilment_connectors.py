"""Each connector pushes fulfilments with tracking to its running emulator: complete and partial shipments
land on the order's lines, a retry sends nothing twice, and the channel's refusals (an unknown or cancelled
order, more than is left to ship, a SKU the order lacks) come back per item, not retryable."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.sync.conftest import channel_config
from truecount.adapters.channels import connector_for
from truecount.adapters.channels.base import FulfilmentItem, FulfilmentLine
from truecount.emulators.runner import RunningEmulator

KINDS = ["shopify", "amazon", "ebay", "woocommerce"]
ORDER_IDS = {"shopify": "5001", "amazon": "113-0000001-0000001", "ebay": "12-00001-00001", "woocommerce": "7001"}
REFS = {"shopify": ("11@7", "12@7"), "amazon": ("MUG", "CAP"), "ebay": ("MUG", "CAP"), "woocommerce": ("31", "40/41")}


def sell(emu: RunningEmulator, kind: str, order_id: str | None = None) -> str:
    """An order on the channel: 2 MUG and 1 CAP."""
    mug, cap = REFS[kind]
    lines = [{"ref": mug, "sku": "MUG", "quantity": 2}, {"ref": cap, "sku": "CAP", "quantity": 1}]
    oid = order_id or ORDER_IDS[kind]
    httpx.post(emu.url + "/_emulator/orders", json={"id": oid, "lines": lines}).raise_for_status()
    return oid


def book(emu: RunningEmulator) -> dict[str, Any]:
    answer: dict[str, Any] = httpx.get(emu.url + "/_emulator/fulfilments").json()
    return answer


def item(order: str, key: str, tracking: str, lines: list[tuple[str, int]], *, complete: bool) -> FulfilmentItem:
    return FulfilmentItem(
        order_ref=order,
        key=key,
        carrier="UPS",
        tracking=tracking,
        lines=tuple(FulfilmentLine(sku, units) for sku, units in lines),
        complete=complete,
        tracking_url=f"https://www.ups.com/track?tracknum={tracking}",
    )


def shipped(emu: RunningEmulator, kind: str, order: str) -> dict[str, int]:
    """Units shipped per SKU as the channel holds them (WooCommerce: read from its customer notes)."""
    found: dict[str, int] = {}
    if kind == "woocommerce":
        for note in book(emu)["notes"].get(order, []):
            for part in note["note"].split(": ", 1)[1].rstrip(".").split(", "):
                units, _, sku = part.partition(" × ")
                found[sku] = found.get(sku, 0) + int(units)
        return found
    for record in book(emu)["fulfilments"]:
        if record["order_id"] == order:
            for line in record["lines"]:
                found[line["sku"]] = found.get(line["sku"], 0) + line["quantity"]
    return found


@pytest.mark.parametrize("kind", KINDS)
def test_a_complete_shipment_fulfils_every_line_with_its_tracking(emu: dict[str, RunningEmulator], kind: str) -> None:
    order = sell(emu[kind], kind)
    connector = connector_for(kind, channel_config(kind, emu[kind].url))
    results = connector.push_fulfilment([item(order, "s1", "1Z0001", [("MUG", 2), ("CAP", 1)], complete=True)])
    assert [(r.key, r.ok, r.error) for r in results] == [("s1", True, None)]
    assert shipped(emu[kind], kind, order) == {"MUG": 2, "CAP": 1}
    seen = book(emu[kind])
    if kind == "woocommerce":
        assert seen["statuses"] == {order: "completed"}
        assert [n["customer_note"] for n in seen["notes"][order]] == [True]
        assert "1Z0001" in seen["notes"][order][0]["note"]
    else:
        assert [(r["carrier"], r["tracking"]) for r in seen["fulfilments"]] == [("UPS", "1Z0001")]
    assert httpx.get(emu[kind].url + "/_emulator/state").json()["violations_total"] == 0


@pytest.mark.parametrize("kind", KINDS)
def test_partial_shipments_fulfil_what_they_carry_and_the_last_completes_the_order(
    emu: dict[str, RunningEmulator], kind: str
) -> None:
    order = sell(emu[kind], kind)
    connector = connector_for(kind, channel_config(kind, emu[kind].url))
    first = connector.push_fulfilment([item(order, "s1", "1Z0001", [("MUG", 1)], complete=False)])
    assert [r.ok for r in first] == [True]
    assert shipped(emu[kind], kind, order) == {"MUG": 1}
    if kind == "woocommerce":
        assert book(emu[kind])["statuses"] == {}  # still processing: something is left to ship
    second = connector.push_fulfilment([item(order, "s2", "1Z0002", [("MUG", 1), ("CAP", 1)], complete=True)])
    assert [r.ok for r in second] == [True]
    assert shipped(emu[kind], kind, order) == {"MUG": 2, "CAP": 1}
    if kind == "woocommerce":
        assert book(emu[kind])["statuses"] == {order: "completed"}
    else:
        assert book(emu[kind])["fulfilled"][order] == {f"{order}-1": 2, f"{order}-2": 1}


@pytest.mark.parametrize("kind", KINDS)
def test_a_fulfilment_sent_again_is_not_applied_twice(emu: dict[str, RunningEmulator], kind: str) -> None:
    order = sell(emu[kind], kind)
    connector = connector_for(kind, channel_config(kind, emu[kind].url))
    partial = item(order, "s1", "1Z0001", [("MUG", 1)], complete=False)
    for _ in range(2):  # a retry after an answer was lost
        assert [r.ok for r in connector.push_fulfilment([partial])] == [True]
    assert shipped(emu[kind], kind, order) == {"MUG": 1}


@pytest.mark.parametrize("kind", KINDS)
def test_an_unknown_order_is_refused_and_not_retried(emu: dict[str, RunningEmulator], kind: str) -> None:
    connector = connector_for(kind, channel_config(kind, emu[kind].url))
    unknown = {"shopify": "999999", "amazon": "999-9999999-9999999", "ebay": "99-99999-99999", "woocommerce": "999999"}
    [result] = connector.push_fulfilment([item(unknown[kind], "s1", "1Z0001", [("MUG", 1)], complete=True)])
    assert (result.ok, result.retryable) == (False, False)
    assert result.error
    assert book(emu[kind])["fulfilments"] == [] and book(emu[kind])["notes"] == {}


@pytest.mark.parametrize("kind", KINDS)
def test_more_than_is_left_to_ship_or_a_sku_the_order_lacks_is_refused(
    emu: dict[str, RunningEmulator], kind: str
) -> None:
    order = sell(emu[kind], kind)
    connector = connector_for(kind, channel_config(kind, emu[kind].url))
    lacking = connector.push_fulfilment([item(order, "s1", "1Z0001", [("HAT", 1)], complete=False)])
    assert [(r.ok, r.retryable) for r in lacking] == [(False, False)]
    assert "HAT" in str(lacking[0].error)
    if kind != "woocommerce":  # WooCommerce keeps no quantities shipped per line: a note cannot be too much
        too_many = connector.push_fulfilment([item(order, "s2", "1Z0002", [("MUG", 3)], complete=False)])
        assert [(r.ok, r.retryable) for r in too_many] == [(False, False)]
        assert "MUG" in str(too_many[0].error)
    assert shipped(emu[kind], kind, order) == {}


@pytest.mark.parametrize("kind", KINDS)
def test_a_cancelled_order_is_refused(emu: dict[str, RunningEmulator], kind: str) -> None:
    order = sell(emu[kind], kind)
    httpx.post(emu[kind].url + f"/_emulator/orders/{order}/cancel").raise_for_status()
    connector = connector_for(kind, channel_config(kind, emu[kind].url))
    [result] = connector.push_fulfilment([item(order, "s1", "1Z0001", [("MUG", 1)], complete=True)])
    assert (result.ok, result.retryable) == (False, False)
    assert "cancel" in str(result.error)
    assert shipped(emu[kind], kind, order) == {}


def test_one_refused_fulfilment_in_an_amazon_feed_leaves_the_others_applied(emu: dict[str, RunningEmulator]) -> None:
    amazon = emu["amazon"]
    first, second = sell(amazon, "amazon", "111-0000001-0000001"), sell(amazon, "amazon", "111-0000002-0000002")
    connector = connector_for("amazon", channel_config("amazon", amazon.url))
    feeds_before = len(httpx.get(amazon.url + "/_emulator/feeds").json())
    items = [
        item(first, "s1", "1Z0001", [("MUG", 2), ("CAP", 1)], complete=True),
        item(second, "s2", "1Z0002", [("MUG", 2)], complete=False),
        # read before the feed, each of these two fits; in the feed the second finds nothing left
        item(second, "s3", "1Z0003", [("MUG", 1)], complete=False),
    ]
    results = connector.push_fulfilment(items)
    assert [(r.key, r.ok, r.retryable) for r in results] == [
        ("s1", True, True),
        ("s2", True, True),
        ("s3", False, False),
    ]
    assert "more than is left" in str(results[2].error)
    feeds = httpx.get(amazon.url + "/_emulator/feeds").json()[feeds_before:]
    assert [f["feedType"] for f in feeds] == ["POST_ORDER_FULFILLMENT_DATA"]  # one feed for the batch
    assert shipped(amazon, "amazon", second) == {"MUG": 2}
