"""Prices reach listings whose reference lacks the channel's own ids: eBay listings without an offer id
have it looked up (``getOffers``), Shopify references without product and variant ids have them looked
up by SKU (``productVariants``), both remembered in the listing's reference and used by later pushes — or,
when the channel has no such offer or variant, the quantity still lands and the push says why no price."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests import factories as f
from tests.sync.conftest import channel_config, state, token_headers, wait_for
from truecount.adapters.channels import connector_for
from truecount.adapters.channels.base import PushItem
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.sync import push_queue
from truecount.domain.commands import CreateChannel, ListingChange
from truecount.emulators.runner import RunningEmulator
from truecount.services.channels.setup import create_channel
from truecount.services.common.scope import Scope
from truecount.services.offers import listing_terms
from truecount.services.offers.listings import add_listing, list_listings
from truecount.services.sync.worker import WorkerOptions, start_in_background


@pytest.fixture
def worker(db: Database, scope: Scope) -> Iterator[None]:
    options = WorkerOptions(poll_interval_s=0.05, lease_s=5.0, channel_refresh_s=0.1, merchant_id=scope.merchant_id)
    stop = start_in_background(db, options)
    yield
    stop()


def listed(db: Database, scope: Scope, kind: str, ref: str) -> dict[str, Any]:
    return list_listings(db, scope, kind, ref)[0].ref


def push_error(db: Database, scope: Scope) -> str | None:
    with db.read() as conn:
        found = conn.execute(
            select(push_queue.c.last_error).where(push_queue.c.merchant_id == scope.merchant_id)
        ).scalar_one_or_none()
    return None if found is None else str(found)


def shop(db: Database, scope: Scope, kind: str, url: str, **extra: Any) -> None:
    f.location(db, scope, "WH1")
    f.variant(db, scope, "TEE")
    f.receive(db, scope, "TEE", 30, "WH1")
    create_channel(
        db, scope, CreateChannel(kind, kind, ["WH1"], config=channel_config(kind, url, currency="EUR", **extra))
    )


def ebay_offers(emulator: RunningEmulator) -> dict[str, Any]:
    found: dict[str, Any] = httpx.get(emulator.url + "/_emulator/offers").json()["offers"]
    return found


def test_an_ebay_listing_without_an_offer_id_has_it_looked_up_remembered_and_priced(
    db: Database, scope: Scope, emu: dict[str, RunningEmulator], worker: None
) -> None:
    emulator = emu["ebay"]
    for offer_id, body in (("8000", {"format": "AUCTION"}), ("9001", {}), ("7000", {"marketplace_id": "EBAY_DE"})):
        put = httpx.put(f"{emulator.url}/_emulator/offers/{offer_id}", json={"sku": "TEE", "quantity": 0, **body})
        put.raise_for_status()
    shop(db, scope, "ebay", emulator.url, marketplace_id="EBAY_US")  # 7000 is on eBay Germany
    add_listing(db, scope, "ebay", "TEE", "TEE")
    listing_terms.change_listing(db, scope, "ebay", "TEE", ListingChange(price=["fixed=19.99"]))
    assert wait_for(lambda: listed(db, scope, "ebay", "TEE").get("offer_id") == "9001", 20)
    assert wait_for(lambda: (ebay_offers(emulator)["9001"].get("price") or {}).get("value") == "19.99", 20)
    offers = ebay_offers(emulator)
    assert offers["9001"]["availableQuantity"] == 30 and "price" not in offers["8000"] and "price" not in offers["7000"]
    assert listed(db, scope, "ebay", "TEE") == {"sku": "TEE", "offer_id": "9001"}
    listing_terms.change_listing(db, scope, "ebay", "TEE", ListingChange(price=["fixed=24.50"]))
    assert wait_for(lambda: (ebay_offers(emulator)["9001"].get("price") or {}).get("value") == "24.50", 20)
    assert push_error(db, scope) is None


def test_an_ebay_sku_with_no_offer_gets_its_quantity_and_the_push_says_why_no_price(
    db: Database, scope: Scope, emu: dict[str, RunningEmulator], worker: None
) -> None:
    emulator = emu["ebay"]
    shop(db, scope, "ebay", emulator.url)
    add_listing(db, scope, "ebay", "TEE", "TEE")
    listing_terms.change_listing(db, scope, "ebay", "TEE", ListingChange(price=["fixed=19.99"]))
    assert wait_for(lambda: "no fixed-price offer for SKU TEE" in (push_error(db, scope) or ""), 20)
    assert state(emulator)["listings"] == {"TEE": 30}
    assert "offer_id" not in listed(db, scope, "ebay", "TEE")


def test_a_shopify_reference_without_variant_ids_is_looked_up_by_sku_and_its_inventory_item(
    db: Database, scope: Scope, emu: dict[str, RunningEmulator], worker: None
) -> None:
    emulator = emu["shopify"]
    for number, item in ((11, 101), (12, 999)):  # two variants share the SKU: only 11 is this listing's item
        made = httpx.put(
            f"{emulator.url}/_emulator/variants/{number}",
            json={"sku": "TEE", "product_id": 1, "inventory_item_id": item},
        )
        made.raise_for_status()
    shop(db, scope, "shopify", emulator.url)
    ref = add_listing(db, scope, "shopify", "TEE", "101").external_ref
    listing_terms.change_listing(db, scope, "shopify", ref, ListingChange(price=["fixed=19.99"]))
    variant = "gid://shopify/ProductVariant/11"
    assert wait_for(lambda: listed(db, scope, "shopify", ref).get("variant_id") == variant, 20)
    found = httpx.get(emulator.url + "/_emulator/variants").json()
    assert found[variant]["price"] == "19.99" and "price" not in found["gid://shopify/ProductVariant/12"]
    assert listed(db, scope, "shopify", ref)["product_id"] == "gid://shopify/Product/1"
    assert state(emulator)["listings"] == {"101@7": 30}
    listing_terms.change_listing(db, scope, "shopify", ref, ListingChange(price=["fixed=21.00"]))
    wanted = "21.00"
    assert wait_for(lambda: httpx.get(emulator.url + "/_emulator/variants").json()[variant].get("price") == wanted, 20)
    assert push_error(db, scope) is None


def test_a_shopify_listing_whose_variant_is_not_found_keeps_its_quantity_and_says_why(
    db: Database, scope: Scope, emu: dict[str, RunningEmulator], worker: None
) -> None:
    emulator = emu["shopify"]
    made = httpx.put(
        f"{emulator.url}/_emulator/variants/12", json={"sku": "TEE", "product_id": 1, "inventory_item_id": 9}
    )
    made.raise_for_status()
    shop(db, scope, "shopify", emulator.url)
    ref = add_listing(db, scope, "shopify", "TEE", "101").external_ref
    listing_terms.change_listing(db, scope, "shopify", ref, ListingChange(price=["fixed=19.99"]))
    assert wait_for(lambda: "no variant with SKU 'TEE'" in (push_error(db, scope) or ""), 20)
    assert state(emulator)["listings"] == {"101@7": 30}
    assert "variant_id" not in listed(db, scope, "shopify", ref)


def test_the_emulators_answer_the_lookups_as_documented(emu: dict[str, RunningEmulator]) -> None:
    ebay = emu["ebay"]
    headers = token_headers("ebay", ebay.url)
    none = httpx.get(ebay.url + "/sell/inventory/v1/offer", params={"sku": "NONE"}, headers=headers)
    assert none.status_code == 404 and none.json()["errors"][0]["errorId"] == 25713
    httpx.put(f"{ebay.url}/_emulator/offers/5", json={"sku": "MUG", "quantity": 2}).raise_for_status()
    page = httpx.get(ebay.url + "/sell/inventory/v1/offer", params={"sku": "MUG"}, headers=headers).json()
    assert (page["total"], page["offers"][0]["offerId"], page["offers"][0]["format"]) == (1, "5", "FIXED_PRICE")
    assert httpx.get(ebay.url + "/sell/inventory/v1/offer", headers=headers).status_code == 400
    url = emu["shopify"].url
    query = "query v($first: Int!, $q: String!) { productVariants(first: $first, query: $q) { nodes { id } } }"
    body = httpx.post(
        url + "/admin/api/2026-04/graphql.json",
        json={"query": query, "variables": {"first": 5, "q": "title:TEE"}},
        headers=token_headers("shopify", url),
    ).json()
    assert "sku only" in body["errors"][0]["message"]
    shopify = connector_for("shopify", channel_config("shopify", url))
    [pushed] = shopify.push([PushItem("555", 1, None, "k1", price="1.00", sku="NOPE")])
    assert not pushed.ok and not pushed.retryable and "price not set" in (pushed.error or "")
