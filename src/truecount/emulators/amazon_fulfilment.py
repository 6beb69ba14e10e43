"""The Amazon emulator's order fulfilment feed (``POST_ORDER_FULFILLMENT_DATA``): an XML ``AmazonEnvelope``
of ``OrderFulfillment`` messages (``AmazonOrderID``, ``FulfillmentDate``, ``FulfillmentData`` with
``CarrierCode`` — ``CarrierName`` when it is Other — and ``ShipperTrackingNumber``, ``Item``s of
``AmazonOrderItemCode`` and ``Quantity``; no ``Item``: the whole order). Each message is applied on its
own: a valid one records a package on the order (shown by ``getOrder`` with ``includedData=PACKAGES``),
an invalid one is a ``Result`` with ``ResultCode`` Error in the XML processing report. The emulator's
``ResultMessageCode``s are its own (Amazon's documented codes are many and not all public).
A document that is not such an envelope makes the feed FATAL.
"""

from __future__ import annotations

import uuid
from typing import Any
from xml.etree import ElementTree as ET

from .common import Order
from .fulfilment_book import FulfilmentBook

FEED_TYPE = "POST_ORDER_FULFILLMENT_DATA"


class FatalFeed(ValueError):
    """The document is not an OrderFulfillment envelope: the whole feed fails."""


def _whole(text: str | None) -> int | None:
    return int(text) if text is not None and text.strip().isdigit() else None


def _check(book: FulfilmentBook, message: ET.Element) -> tuple[Order, list[tuple[str, int]], str, str] | str:
    """The order, lines, carrier and tracking of a valid message, or why it is refused."""
    fulfilment = message.find("OrderFulfillment")
    if fulfilment is None:
        return "OrderFulfillment is missing"
    order_id = (fulfilment.findtext("AmazonOrderID") or "").strip()
    order = book.order(order_id)
    if order is None:
        return f"AmazonOrderID {order_id} was not found"
    if order.status != "open":
        return f"order {order_id} is cancelled"
    data = fulfilment.find("FulfillmentData")
    code = (data.findtext("CarrierCode") if data is not None else None) or ""
    name = (data.findtext("CarrierName") if data is not None else None) or ""
    tracking = ((data.findtext("ShipperTrackingNumber") if data is not None else None) or "").strip()
    if not code.strip() or (code == "Other" and not name.strip()):
        return "CarrierCode is missing (or Other without a CarrierName)"
    if not tracking:
        return "ShipperTrackingNumber is missing"
    if not (fulfilment.findtext("FulfillmentDate") or "").strip():
        return "FulfillmentDate is missing"
    known = {line["line_id"] for line in order.lines}
    lines: list[tuple[str, int]] = []
    items = fulfilment.findall("Item")
    if not items:
        lines = [(li["line_id"], book.remaining(order, li["line_id"])) for li in order.lines]
        lines = [(lid, units) for lid, units in lines if units > 0]
        if not lines:
            return f"order {order_id} has nothing left to ship"
    for item in items:
        code_ = (item.findtext("AmazonOrderItemCode") or "").strip()
        units = _whole(item.findtext("Quantity"))
        if code_ not in known:
            return f"AmazonOrderItemCode {code_} is not an item of order {order_id}"
        if units is None or units < 1:
            return f"Quantity of item {code_} must be a whole number of at least 1"
        if units > book.remaining(order, code_) - sum(q for lid, q in lines if lid == code_):
            return f"Quantity of item {code_} is more than is left unshipped"
        lines.append((code_, units))
    return order, lines, (name if code == "Other" else code), tracking


def process(book: FulfilmentBook, content: bytes, seller: str | None) -> bytes:
    """Apply the feed (the caller holds the state lock); the processing report."""
    try:
        root = ET.fromstring(content)
    except ET.ParseError as error:
        raise FatalFeed(str(error)) from error
    if root.tag != "AmazonEnvelope" or root.findtext("MessageType") != "OrderFulfillment":
        raise FatalFeed("not an OrderFulfillment envelope")
    messages = root.findall("Message")
    errors: list[tuple[str, str]] = []
    for message in messages:
        message_id = (message.findtext("MessageID") or "").strip()
        checked = _check(book, message)
        if isinstance(checked, str):
            errors.append((message_id, checked))
            continue
        order, lines, carrier, tracking = checked
        book.record(order, lines, carrier, tracking, package_reference_id=str(len(book.records) + 1))
    return _report(seller, len(messages), errors)


def _report(seller: str | None, processed: int, errors: list[tuple[str, str]]) -> bytes:
    root = ET.Element("AmazonEnvelope")
    header = ET.SubElement(root, "Header")
    ET.SubElement(header, "DocumentVersion").text = "1.02"
    ET.SubElement(header, "MerchantIdentifier").text = seller or ""
    ET.SubElement(root, "MessageType").text = "ProcessingReport"
    message = ET.SubElement(root, "Message")
    ET.SubElement(message, "MessageID").text = "1"
    report = ET.SubElement(message, "ProcessingReport")
    ET.SubElement(report, "DocumentTransactionID").text = str(uuid.uuid4().int % 10**11)
    ET.SubElement(report, "StatusCode").text = "Complete"
    summary = ET.SubElement(report, "ProcessingSummary")
    failed = len({message_id for message_id, _ in errors})
    for name, value in (("MessagesProcessed", processed), ("MessagesSuccessful", processed - failed),
                        ("MessagesWithError", failed), ("MessagesWithWarning", 0)):  # fmt: skip
        ET.SubElement(summary, name).text = str(value)
    for message_id, description in errors:
        result = ET.SubElement(report, "Result")
        ET.SubElement(result, "MessageID").text = message_id
        ET.SubElement(result, "ResultCode").text = "Error"
        ET.SubElement(result, "ResultMessageCode").text = "99001"
        ET.SubElement(result, "ResultDescription").text = description
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


def packages(book: FulfilmentBook, order: Order) -> list[dict[str, Any]]:
    """The order's packages as ``getOrder`` shows them (``includedData=PACKAGES``)."""
    return [
        {
            "packageReferenceId": r.get("package_reference_id", r["id"]),
            "carrier": r["carrier"],
            "trackingNumber": r["tracking"],
            "packageItems": [{"orderItemId": li["line_id"], "quantity": li["quantity"]} for li in r["lines"]],
        }
        for r in book.records
        if r["order_id"] == order.id
    ]


def fulfilment_status(book: FulfilmentBook, order: Order) -> str:
    if order.status != "open":
        return "CANCELLED"
    if book.complete(order):
        return "SHIPPED"
    return "PARTIALLY_SHIPPED" if book.fulfilled.get(order.id) else "UNSHIPPED"
