"""Each emulator, driven by the channel's own published Python client, gives the documented answers."""

from __future__ import annotations

import io
import json
from typing import Any

import httpx
import shopify
from sp_api.api import Feeds, ListingsItems, Orders
from sp_api.auth import AccessTokenClient
from woocommerce import API as WooAPI

from tests.sync.conftest import state, wait_for
from truecount.emulators.auth import CREDENTIALS
from truecount.emulators.runner import RunningEmulator

SET = """mutation set($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) { userErrors { code field message } }
}"""
LWA = {
    "refresh_token": CREDENTIALS["refresh_token"],
    "lwa_app_id": CREDENTIALS["client_id"],
    "lwa_client_secret": CREDENTIALS["client_secret"],
}


def shopify_graphql(url: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    shopify.ShopifyResource.set_site(url + "/admin/api/2026-04")
    shopify.ShopifyResource.set_headers({"X-Shopify-Access-Token": CREDENTIALS["permanent_token"]})
    answer: dict[str, Any] = json.loads(shopify.GraphQL().execute(query, variables))
    return answer


def quantities(quantity: int, change_from: int | None) -> dict[str, Any]:
    item = {"inventoryItemId": "gid://shopify/InventoryItem/11", "locationId": "gid://shopify/Location/7"}
    return {
        "name": "available",
        "reason": "correction",
        "quantities": [{**item, "quantity": quantity, "changeFromQuantity": change_from}],
    }


def test_shopifys_graphql_client_sets_quantities_with_compare_and_set(emu: dict[str, RunningEmulator]) -> None:
    url = emu["shopify"].url
    first = shopify_graphql(url, SET, {"input": quantities(5, None), "key": "k1"})
    assert first["data"]["inventorySetQuantities"]["userErrors"] == []
    assert first["extensions"]["cost"]["throttleStatus"]["maximumAvailable"] == 2000.0
    stale = shopify_graphql(url, SET, {"input": quantities(9, 4), "key": "k2"})
    assert stale["data"]["inventorySetQuantities"]["userErrors"][0]["code"] == "CHANGE_FROM_QUANTITY_STALE"
    reused = shopify_graphql(url, SET, {"input": quantities(6, 5), "key": "k1"})
    assert reused["data"]["inventorySetQuantities"]["userErrors"][0]["code"] == "IDEMPOTENCY_KEY_PARAMETER_MISMATCH"
    assert state(emu["shopify"])["listings"] == {"11@7": 5}


def amazon(kind: Any, url: str) -> Any:
    token_client = type(
        "EmulatorToken", (AccessTokenClient,), {"scheme": "http://", "host": url.removeprefix("http://")}
    )
    client = kind(credentials=LWA, auth_token_client_class=token_client)
    client.endpoint = url
    return client


def test_the_sp_api_client_patches_and_reads_fulfillment_availability(emu: dict[str, RunningEmulator]) -> None:
    listings = amazon(ListingsItems, emu["amazon"].url)
    patch = [
        {
            "op": "replace",
            "path": "/attributes/fulfillment_availability",
            "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 12}],
        }
    ]
    answer = listings.patch_listings_item(
        "SELLER", "MUG-1", marketplaceIds=["A1F83G8C2ARO7P"], body={"productType": "PRODUCT", "patches": patch}
    )
    assert answer.payload["status"] == "ACCEPTED" and answer.payload["issues"] == []

    def read() -> Any:
        return listings.get_listings_item(
            "SELLER", "MUG-1", marketplaceIds=["A1F83G8C2ARO7P"], includedData=["fulfillmentAvailability"]
        )

    # accepted for processing: applied a moment later
    assert wait_for(lambda: state(emu["amazon"])["listings"] == {"MUG-1": 12}, 5)
    assert read().payload["fulfillmentAvailability"] == [{"fulfillmentChannelCode": "DEFAULT", "quantity": 12}]
    assert float(read().headers["x-amzn-RateLimit-Limit"]) > 0


def test_the_sp_api_client_submits_a_listings_feed_and_reads_orders(emu: dict[str, RunningEmulator]) -> None:
    url = emu["amazon"].url
    value = [{"fulfillment_channel_code": "DEFAULT", "quantity": 4}]
    patches = [{"op": "replace", "path": "/attributes/fulfillment_availability", "value": value}]
    message = {"messageId": 1, "sku": "MUG-2", "operationType": "PATCH", "productType": "PRODUCT", "patches": patches}
    feed = {"header": {"sellerId": "SELLER", "version": "2.0"}, "messages": [message]}
    feeds = amazon(Feeds, url)
    upload = io.BytesIO(json.dumps(feed).encode())
    _document, created = feeds.submit_feed("JSON_LISTINGS_FEED", upload, content_type="application/json")
    feed_id = created.payload["feedId"]
    assert wait_for(lambda: feeds.get_feed(feed_id).payload["processingStatus"] == "DONE")
    result = feeds.get_feed_result_document(feeds.get_feed(feed_id).payload["resultFeedDocumentId"])
    assert json.loads(result)["summary"]["messagesAccepted"] == 1
    assert state(emu["amazon"])["listings"] == {"MUG-2": 4}
    httpx.post(url + "/_emulator/orders", json={"lines": [{"ref": "MUG-2", "quantity": 1}]}).raise_for_status()
    orders = amazon(Orders, url).get_orders(LastUpdatedAfter="2020-01-01T00:00:00Z", MarketplaceIds=["A1F83G8C2ARO7P"])
    assert [o["OrderStatus"] for o in orders.payload["Orders"]] == ["Unshipped"]
    items = amazon(Orders, url).get_order_items(orders.payload["Orders"][0]["AmazonOrderId"])
    assert items.payload["OrderItems"][0]["SellerSKU"] == "MUG-2"


def test_the_woocommerce_client_batches_stock_and_gets_per_item_errors_in_a_200(
    emu: dict[str, RunningEmulator],
) -> None:
    key, secret = CREDENTIALS["consumer_key"], CREDENTIALS["consumer_secret"]  # over plain HTTP: OAuth 1.0a
    woo = WooAPI(url=emu["woocommerce"].url, consumer_key=key, consumer_secret=secret, version="wc/v3", timeout=10)
    answer = woo.post(
        "products/batch",
        {"update": [{"id": 31, "stock_quantity": 8, "manage_stock": True}, {"id": 0, "stock_quantity": 1}]},
    )
    assert answer.status_code == 200
    update = answer.json()["update"]
    assert update[0]["stock_quantity"] == 8 and update[1]["error"]["code"] == "woocommerce_rest_product_invalid_id"
    too_many = woo.post("products/batch", {"update": [{"id": i + 1, "stock_quantity": 1} for i in range(101)]})
    assert too_many.status_code == 413
    assert woo.get("products/31").json()["stock_quantity"] == 8
