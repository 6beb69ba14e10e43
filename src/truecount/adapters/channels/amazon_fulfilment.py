"""Amazon fulfilments with tracking for merchant-fulfilled orders: the order fulfilment feed
(``POST_ORDER_FULFILLMENT_DATA``, an XML ``AmazonEnvelope`` of ``OrderFulfillment`` messages) submitted like
every feed (``amazon_feeds.submit_feed``: createFeedDocument → upload → createFeed → getFeed → the
processing report).

Before the feed, each order is read with Orders v2026-01-01 ``getOrder`` (``includedData=PACKAGES``): an
unknown or cancelled order is refused, a package that already carries the tracking number means the
fulfilment was sent before (a retry after a lost answer: not sent again), and the order's items map our
SKUs to Amazon's ``orderItemId`` (the feed's ``AmazonOrderItemCode``), never past what is left unshipped.
The processing report's ``Result`` elements with ``ResultCode`` Error refuse their message (unless the
order, read again, already has the tracking number: an earlier feed whose answer was lost carried it);
the rest were applied. Carriers Amazon knows by code (UPS, USPS, FedEx, DHL…) go as ``CarrierCode``; any other as
``CarrierName`` with ``CarrierCode`` Other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Protocol
from urllib.parse import quote
from xml.etree import ElementTree as ET

import httpx

from .amazon_feeds import AmazonConnector, result_bytes, submit_feed
from .base import ChannelUnavailable, FulfilmentItem, FulfilmentResult
from .fulfil_lines import CannotAllocate, ChannelLine, allocate

ORDERS = "/orders/2026-01-01/orders"
FEED_TYPE = "POST_ORDER_FULFILLMENT_DATA"
CONTENT_TYPE = "text/xml; charset=UTF-8"
CARRIER_CODES = frozenset(
    {"UPS", "USPS", "FedEx", "DHL", "DHL eCommerce", "Royal Mail", "Parcelforce", "DPD", "Hermes", "Evri", "GLS",
     "Canada Post", "Australia Post", "Deutsche Post", "La Poste", "Colissimo", "Amazon Shipping", "OnTrac", "Yodel"}
)  # fmt: skip


class Amazon(AmazonConnector, Protocol):
    def call(self, op: str, method: str, url: str, **kwargs: Any) -> httpx.Response: ...


def push_fulfilments(amazon: Amazon, items: Sequence[FulfilmentItem]) -> list[FulfilmentResult]:
    results: dict[int, FulfilmentResult] = {}
    messages: list[tuple[int, FulfilmentItem, list[tuple[str, int]]]] = []
    for n, item in enumerate(items):
        prepared = _prepare(amazon, item)
        if isinstance(prepared, FulfilmentResult):
            results[n] = prepared
        else:
            messages.append((n, item, prepared))
    if messages:
        content = envelope(amazon.seller, [(item, taken) for _, item, taken in messages])
        feed = submit_feed(amazon, FEED_TYPE, content, CONTENT_TYPE)
        errors = report_errors(result_bytes(amazon, str(feed["resultFeedDocumentId"])))
        for message_id, (n, item, _) in enumerate(messages, start=1):
            # _landed: an earlier feed whose answer was lost carried it, so it is there
            if message_id not in errors or _landed(amazon, item):
                results[n] = FulfilmentResult(item.key, True)
            else:
                results[n] = FulfilmentResult(item.key, False, f"Amazon refused: {errors[message_id]}", retryable=False)
    return [results[n] for n in range(len(items))]


def _landed(amazon: Amazon, item: FulfilmentItem) -> bool:
    again = _prepare(amazon, item)
    return isinstance(again, FulfilmentResult) and again.ok


def _prepare(amazon: Amazon, item: FulfilmentItem) -> FulfilmentResult | list[tuple[str, int]]:
    """The (orderItemId, units) the fulfilment ships, or its result when nothing is to be sent."""
    answer = amazon.call(
        "getOrder", "GET", f"{ORDERS}/{quote(item.order_ref, safe='')}", params={"includedData": "FULFILLMENT,PACKAGES"}
    )
    if answer.status_code in (400, 404):
        detail = "; ".join(str(e.get("message")) for e in (answer.json().get("errors") or []))
        return FulfilmentResult(item.key, False, f"Amazon has no order {item.order_ref}: {detail}", retryable=False)
    if answer.status_code != 200:
        raise ChannelUnavailable(f"getOrder: HTTP {answer.status_code} {answer.text[:200]}")
    order: dict[str, Any] = answer.json().get("order") or {}
    packages = order.get("packages") or []
    if any(p.get("trackingNumber") == item.tracking for p in packages):
        return FulfilmentResult(item.key, True)  # sent before (its answer was lost): nothing more to do
    if (order.get("fulfillment") or {}).get("fulfillmentStatus") == "CANCELLED":
        return FulfilmentResult(item.key, False, f"Amazon order {item.order_ref} is cancelled", retryable=False)
    shipped: dict[str, int] = {}
    for package in packages:
        for packed in package.get("packageItems") or []:
            shipped[str(packed["orderItemId"])] = shipped.get(str(packed["orderItemId"]), 0) + int(packed["quantity"])
    lines = [
        ChannelLine(
            str(oi["orderItemId"]),
            str((oi.get("product") or {}).get("sellerSku") or ""),
            int(oi["quantityOrdered"]) - shipped.get(str(oi["orderItemId"]), 0),
        )
        for oi in order.get("orderItems") or []
    ]
    try:
        return allocate(item.lines, lines)
    except CannotAllocate as refused:
        return FulfilmentResult(item.key, False, f"Amazon order {item.order_ref}: {refused}", retryable=False)


def envelope(seller: str, messages: Sequence[tuple[FulfilmentItem, list[tuple[str, int]]]]) -> bytes:
    """The ``POST_ORDER_FULFILLMENT_DATA`` document: one ``OrderFulfillment`` message per fulfilment."""
    root = ET.Element("AmazonEnvelope", {
        "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance", "xsi:noNamespaceSchemaLocation": "amzn-envelope.xsd"
    })  # fmt: skip
    header = ET.SubElement(root, "Header")
    ET.SubElement(header, "DocumentVersion").text = "1.01"
    ET.SubElement(header, "MerchantIdentifier").text = seller
    ET.SubElement(root, "MessageType").text = "OrderFulfillment"
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    for message_id, (item, taken) in enumerate(messages, start=1):
        message = ET.SubElement(root, "Message")
        ET.SubElement(message, "MessageID").text = str(message_id)
        fulfilment = ET.SubElement(message, "OrderFulfillment")
        ET.SubElement(fulfilment, "AmazonOrderID").text = item.order_ref
        ET.SubElement(fulfilment, "FulfillmentDate").text = now
        data = ET.SubElement(fulfilment, "FulfillmentData")
        if item.carrier in CARRIER_CODES:
            ET.SubElement(data, "CarrierCode").text = item.carrier
        else:
            ET.SubElement(data, "CarrierCode").text = "Other"
            ET.SubElement(data, "CarrierName").text = item.carrier
        ET.SubElement(data, "ShipperTrackingNumber").text = item.tracking
        for order_item, units in taken:
            line = ET.SubElement(fulfilment, "Item")
            ET.SubElement(line, "AmazonOrderItemCode").text = order_item
            ET.SubElement(line, "Quantity").text = str(units)
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


def report_errors(report: bytes) -> dict[int, str]:
    """MessageID → the errors the processing report gives it (``ResultCode`` Error)."""
    try:
        root = ET.fromstring(report)
    except ET.ParseError as error:
        raise ChannelUnavailable(f"the fulfilment feed's processing report is not XML: {error}") from error
    errors: dict[int, str] = {}
    for result in root.iter("Result"):
        if (result.findtext("ResultCode") or "") != "Error":
            continue
        message_id = int(result.findtext("MessageID") or 0)
        text = f"{result.findtext('ResultMessageCode')} {result.findtext('ResultDescription')}"
        errors[message_id] = f"{errors[message_id]}; {text}" if message_id in errors else text
    return errors
