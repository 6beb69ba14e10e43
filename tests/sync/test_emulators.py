"""The emulators enforce the documented limits, count every violation, and sign their webhooks."""

from __future__ import annotations

import base64
import hashlib
import hmac

import httpx

from tests.sync.conftest import state, token_headers
from truecount.emulators.runner import start

SET = (
    "mutation s($input: InventorySetQuantitiesInput!) { inventorySetQuantities(input: $input) { userErrors { code } } }"
)


def test_shopify_throttles_a_client_that_drains_the_cost_bucket_and_counts_it() -> None:
    shop = start("shopify", maximum_available=25, restore_rate=1)
    try:
        item = {
            "inventoryItemId": "gid://shopify/InventoryItem/1",
            "locationId": "gid://shopify/Location/1",
            "quantity": 1,
            "changeFromQuantity": None,
        }
        body = {
            "query": SET,
            "variables": {"input": {"name": "available", "reason": "correction", "quantities": [item]}},
        }
        url = shop.url + "/admin/api/2026-04/graphql.json"
        answers = [httpx.post(url, json=body, headers=token_headers("shopify", shop.url)).json() for _ in range(3)]
        assert answers[2]["errors"][0]["extensions"]["code"] == "THROTTLED"
        assert answers[2]["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] < 10
        assert state(shop)["violations"] == {"THROTTLED": 1}
    finally:
        shop.stop()


def test_amazon_answers_429_with_its_rate_header_past_the_burst() -> None:
    amazon = start("amazon", rates={"getListingsItem": (0.1, 2)})
    try:
        url = amazon.url + "/listings/2021-08-01/items/S/SKU?marketplaceIds=M"
        headers = token_headers("amazon", amazon.url)
        codes = [httpx.get(url, headers=headers) for _ in range(3)]
        assert [c.status_code for c in codes] == [404, 404, 429]
        assert codes[2].headers["x-amzn-RateLimit-Limit"] == "0.1"
        assert state(amazon)["violations_total"] == 1
    finally:
        amazon.stop()


def test_ebay_refuses_more_than_25_requests_in_one_bulk_update(emu: dict[str, object]) -> None:
    url = emu["ebay"].url + "/sell/inventory/v1/bulk_update_price_quantity"  # type: ignore[attr-defined]
    requests = [{"sku": f"S{i}", "shipToLocationAvailability": {"quantity": 1}} for i in range(26)]
    headers = token_headers("ebay", emu["ebay"].url)  # type: ignore[attr-defined]
    assert httpx.post(url, json={"requests": requests}, headers=headers).status_code == 400
    assert httpx.post(url, json={"requests": requests[:25]}, headers=headers).status_code == 200


def test_a_shopify_order_webhook_is_signed_with_the_shared_secret(emu: dict[str, object]) -> None:
    url = emu["shopify"].url  # type: ignore[attr-defined]
    httpx.put(url + "/_emulator/webhook", json={"secret": "s3cret"}).raise_for_status()
    delivery = httpx.post(
        url + "/_emulator/orders", json={"lines": [{"ref": "1@1", "quantity": 2, "sku": "TEE"}]}
    ).json()["delivery"]
    expected = base64.b64encode(hmac.new(b"s3cret", delivery["body"].encode(), hashlib.sha256).digest()).decode()
    assert delivery["headers"]["X-Shopify-Hmac-Sha256"] == expected
    assert delivery["headers"]["X-Shopify-Topic"] == "orders/create"


def test_injected_server_errors_fail_requests_without_applying_them(emu: dict[str, object]) -> None:
    url = emu["ebay"].url  # type: ignore[attr-defined]
    httpx.put(url + "/_emulator/faults", json={"error_rate": 1.0}).raise_for_status()
    answer = httpx.post(
        url + "/sell/inventory/v1/bulk_update_price_quantity",
        json={"requests": [{"sku": "A", "shipToLocationAvailability": {"quantity": 3}}]},
    )
    assert answer.status_code == 503
    assert state(emu["ebay"])["listings"] == {}  # type: ignore[arg-type]
