"""The emulators' fulfilment routes refuse what their channels refuse, in the channels' own shapes, and record
nothing of a refused call (requests sent raw, with the connector's credentials)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.sync.conftest import channel_config
from truecount.adapters.channels import connector_for
from truecount.adapters.channels.amazon_feeds import result_bytes, submit_feed
from truecount.adapters.channels.amazon_fulfilment import report_errors
from truecount.adapters.channels.base import ChannelUnavailable
from truecount.adapters.channels.shopify_fulfilment import CREATE
from truecount.emulators.runner import RunningEmulator

FO = "gid://shopify/FulfillmentOrder/"
LINE = "gid://shopify/FulfillmentOrderLineItem/"


def sell(emu: RunningEmulator, order_id: str, ref: str = "MUG") -> None:
    lines = [{"ref": ref, "sku": "MUG", "quantity": 2}]
    httpx.post(emu.url + "/_emulator/orders", json={"id": order_id, "lines": lines}).raise_for_status()


def book(emu: RunningEmulator) -> dict[str, Any]:
    found: dict[str, Any] = httpx.get(emu.url + "/_emulator/fulfilments").json()
    return found


@pytest.mark.parametrize(
    ("change", "parameter"),
    [
        ({"lineItems": [{"lineItemId": "12-1-1-1", "quantity": 0}]}, "quantity"),
        ({"lineItems": [{"lineItemId": "12-1-1-1", "quantity": 3}]}, "quantity"),
        ({"lineItems": [{"lineItemId": "nope", "quantity": 1}]}, "lineItemId"),
        ({"lineItems": []}, "lineItems"),
        ({"trackingNumber": ""}, "trackingNumber"),
        ({"shippingCarrierCode": None}, "shippingCarrierCode"),
        ({"shippedDate": "yesterday"}, "shippedDate"),
    ],
)
def test_ebay_refuses_a_shipping_fulfillment_naming_the_parameter(
    emu: dict[str, RunningEmulator], change: dict[str, Any], parameter: str
) -> None:
    ebay = connector_for("ebay", channel_config("ebay", emu["ebay"].url))
    sell(emu["ebay"], "12-1-1")
    body = {"lineItems": [{"lineItemId": "12-1-1-1", "quantity": 1}], "shippingCarrierCode": "UPS",
            "trackingNumber": "1Z1", "shippedDate": "2026-12-06T10:00:00.000Z", **change}  # fmt: skip
    url = "/sell/fulfillment/v1/order/12-1-1/shipping_fulfillment"
    answer = ebay.http.request(ebay.buckets["fulfillment"], "POST", url, json=body)  # type: ignore[attr-defined]
    assert answer.status_code == 400, answer.text
    [error] = answer.json()["errors"]
    assert error["parameters"][0]["name"] == parameter
    assert book(emu["ebay"])["fulfilments"] == []


@pytest.mark.parametrize(
    ("fulfillment", "field"),
    [
        ({"trackingInfo": {"number": ""}}, "number"),
        ({"trackingInfo": {"number": "1Z1", "url": "ftp://x"}}, "url"),
        ({"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": FO + "9"}]}, "fulfillmentOrderId"),
        ({"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": FO + "5001", "fulfillmentOrderLineItems": [
            {"id": LINE + "50011", "quantity": 3}]}]}, "quantity"),
        ({"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": FO + "5001", "fulfillmentOrderLineItems": [
            {"id": LINE + "1", "quantity": 1}]}]}, "id"),
    ],
)  # fmt: skip
def test_shopify_answers_user_errors_naming_the_field(
    emu: dict[str, RunningEmulator], fulfillment: dict[str, Any], field: str
) -> None:
    shop = connector_for("shopify", channel_config("shopify", emu["shopify"].url))
    sell(emu["shopify"], "5001", "11@7")
    groups = [{"fulfillmentOrderId": FO + "5001", "fulfillmentOrderLineItems": [{"id": LINE + "50011", "quantity": 1}]}]
    given = {"lineItemsByFulfillmentOrder": groups, "trackingInfo": {"company": "UPS", "number": "1Z1"}, **fulfillment}
    body = shop.graphql(CREATE, {"fulfillment": given}, 10)  # type: ignore[attr-defined]
    [error] = body["data"]["fulfillmentCreate"]["userErrors"]
    assert error["field"][-1] == field, error
    assert book(emu["shopify"])["fulfilments"] == []


def test_woocommerce_refuses_an_empty_note_an_unknown_status_and_an_unknown_order(
    emu: dict[str, RunningEmulator],
) -> None:
    woo = connector_for("woocommerce", channel_config("woocommerce", emu["woocommerce"].url))
    sell(emu["woocommerce"], "7001", "31")

    def send(method: str, url: str, body: dict[str, Any]) -> httpx.Response:
        return woo.http.request(woo.bucket, method, "/wp-json/wc/v3/orders" + url, json=body)  # type: ignore[attr-defined]

    assert send("POST", "/7001/notes", {"note": " "}).json()["code"] == "rest_missing_callback_param"
    assert send("POST", "/7001/notes", {"note": "x", "customer_note": "yes"}).json()["code"] == "rest_invalid_param"
    assert send("PUT", "/7001", {"status": "shipped"}).json()["code"] == "rest_invalid_param"
    assert send("POST", "/9999/notes", {"note": "x"}).json()["code"] == "woocommerce_rest_shop_order_invalid_id"
    assert book(emu["woocommerce"])["notes"] == {} and book(emu["woocommerce"])["statuses"] == {}


def test_amazon_reports_an_invalid_fulfilment_message_and_fails_a_document_that_is_not_an_envelope(
    emu: dict[str, RunningEmulator],
) -> None:
    amazon = connector_for("amazon", channel_config("amazon", emu["amazon"].url))
    sell(emu["amazon"], "111-1111111-1111111")
    envelope = b"""<?xml version="1.0"?><AmazonEnvelope><MessageType>OrderFulfillment</MessageType>
      <Message><MessageID>1</MessageID><OrderFulfillment><AmazonOrderID>111-1111111-1111111</AmazonOrderID>
      <FulfillmentDate>2026-12-06T10:00:00Z</FulfillmentDate><FulfillmentData><CarrierCode>UPS</CarrierCode>
      </FulfillmentData></OrderFulfillment></Message></AmazonEnvelope>"""
    feed = submit_feed(amazon, "POST_ORDER_FULFILLMENT_DATA", envelope, "text/xml; charset=UTF-8")  # type: ignore[arg-type]
    errors = report_errors(result_bytes(amazon, str(feed["resultFeedDocumentId"])))  # type: ignore[arg-type]
    assert list(errors) == [1] and "ShipperTrackingNumber" in errors[1]
    with pytest.raises(ChannelUnavailable, match="FATAL"):
        submit_feed(amazon, "POST_ORDER_FULFILLMENT_DATA", b"not xml", "text/xml; charset=UTF-8")  # type: ignore[arg-type]
    assert book(emu["amazon"])["fulfilments"] == []
