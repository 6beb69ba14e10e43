"""Two listings of one variant on one channel, each with its own quantity rule (or units per sale) and price
rule, are both pushed with their own quantity and price — Amazon (listings patch ``purchasable_offer``), eBay
(``bulk_update_price_quantity`` offer ``price``), WooCommerce (batch ``regular_price``), Shopify
(``productVariantsBulkUpdate``) — against the emulators, which refuse a price in the wrong shape."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests import factories as f
from tests.sync.conftest import channel_config, state, wait_for
from truecount.adapters.channels import connector_for
from truecount.adapters.channels.base import PushItem
from truecount.adapters.db.engine import Database
from truecount.domain.commands import CreateChannel, ListingChange
from truecount.emulators.runner import RunningEmulator
from truecount.services.channels.setup import create_channel
from truecount.services.common.scope import Scope
from truecount.services.offers import listing_terms
from truecount.services.offers.listings import add_listing, list_listings
from truecount.services.sync.worker import WorkerOptions, start_in_background

# Per channel kind: the two references of TEE (the single, the other) and the other's terms.
REFS: dict[str, tuple[Any, Any]] = {
    "amazon": ("TEE", "TEE-6PK"),
    "ebay": ({"sku": "TEE", "offer_id": "9001"}, {"sku": "TEE-B", "offer_id": "9002"}),
    "woocommerce": ("55", "56"),
    "shopify": (
        {"inventory_item_id": 101, "location_id": 7, "product_id": 1, "variant_id": 11},
        {"inventory_item_id": 102, "location_id": 7, "product_id": 1, "variant_id": 12},
    ),
}
SHOPIFY_VARIANTS = {"101@7": "gid://shopify/ProductVariant/11", "102@7": "gid://shopify/ProductVariant/12"}


@pytest.fixture
def worker(db: Database, scope: Scope) -> Iterator[None]:
    options = WorkerOptions(poll_interval_s=0.05, lease_s=5.0, channel_refresh_s=0.1, merchant_id=scope.merchant_id)
    stop = start_in_background(db, options)
    yield
    stop()


def shown(emulator: RunningEmulator, kind: str) -> dict[str, tuple[int | None, str | None]]:
    """What the channel shows per listing: (quantity, price)."""
    seen = state(emulator)
    if kind == "shopify":  # a price lives on the product variant
        variants = httpx.get(emulator.url + "/_emulator/variants").json()
        return {
            ref: (q, (variants.get(SHOPIFY_VARIANTS[ref]) or {}).get("price"))
            for ref, q in seen["listings"].items()  # type: ignore[attr-defined]
        }
    if kind == "ebay":  # a price lives on the offer
        offers = httpx.get(emulator.url + "/_emulator/offers").json()["offers"]
        return {
            o["sku"]: (seen["listings"].get(o["sku"]), (o.get("price") or {}).get("value"))  # type: ignore[attr-defined]
            for o in offers.values()
        }
    return {ref: (q, seen["prices"].get(ref)) for ref, q in seen["listings"].items()}  # type: ignore[attr-defined]


@pytest.mark.parametrize("kind", sorted(REFS))
def test_two_listings_of_one_variant_are_pushed_with_their_own_quantity_and_price(
    db: Database, scope: Scope, emu: dict[str, RunningEmulator], worker: None, kind: str
) -> None:
    f.location(db, scope, "WH1")
    f.variant(db, scope, "TEE")
    f.receive(db, scope, "TEE", 30, "WH1")
    emulator = emu[kind]
    if kind == "ebay":
        for offer_id, sku in (("9001", "TEE"), ("9002", "TEE-B")):
            httpx.put(
                f"{emulator.url}/_emulator/offers/{offer_id}", json={"sku": sku, "quantity": 0}
            ).raise_for_status()
    config = channel_config(kind, emulator.url, currency="EUR")
    create_channel(db, scope, CreateChannel(kind, kind, ["WH1"], config=config))
    single, other = REFS[kind]
    first = add_listing(db, scope, kind, "TEE", single).external_ref
    second = add_listing(db, scope, kind, "TEE", other, units_per_sale=6 if kind == "amazon" else 1).external_ref
    change = listing_terms.change_listing
    change(db, scope, kind, first, ListingChange(steps=["cap=10"], price=["fixed=19.99"]))
    change(db, scope, kind, second, ListingChange(steps=["reserve=12"] if kind != "amazon" else None,
                                                                price=["fixed=99.00", "tier=6:+10%"]))  # fmt: skip
    wanted = {first: (10, "19.99"), second: (5, "108.90") if kind == "amazon" else (18, "99.00")}
    assert {r.external_ref: (r.quantity, r.price) for r in list_listings(db, scope, kind)} == wanted
    assert wait_for(lambda: shown(emulator, kind) == wanted, 20), shown(emulator, kind)


def test_the_emulators_refuse_a_price_in_the_wrong_shape(emu: dict[str, RunningEmulator]) -> None:
    amazon = connector_for("amazon", channel_config("amazon", emu["amazon"].url))
    body = amazon.patch_body(3, "12.50")  # type: ignore[attr-defined]
    body["patches"][1]["value"][0]["our_price"] = [{"schedule": [{"value_with_tax": "12.50"}]}]  # a string: refused
    answer = amazon.call(  # type: ignore[attr-defined]
        "patchListingsItem",
        "PATCH",
        "/listings/2021-08-01/items/SELLER/TEE",
        params={"marketplaceIds": "A1F83G8C2ARO7P"},
        json=body,
    )
    assert answer.json()["status"] == "INVALID"
    assert answer.json()["issues"][0]["attributeNames"] == ["purchasable_offer"]
    assert "TEE" not in state(emu["amazon"])["prices"]  # type: ignore[operator]
    woo = connector_for("woocommerce", channel_config("woocommerce", emu["woocommerce"].url))
    [ok] = woo.push([PushItem("55", 3, None, "k1", price="12.50")])
    assert ok.ok and state(emu["woocommerce"])["prices"] == {"55": "12.50"}
