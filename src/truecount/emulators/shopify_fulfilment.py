"""The Shopify emulator's fulfilments: an ``order(id:)`` read with its ``fulfillmentOrders`` (one per order,
``gid://shopify/FulfillmentOrder/ORDER``, line items ``gid://shopify/FulfillmentOrderLineItem/N`` with
``sku``, ``totalQuantity`` and ``remainingQuantity``) and ``fulfillments { trackingInfo }``, and the
``fulfillmentCreate(fulfillment: FulfillmentInput!)`` mutation of the Admin GraphQL API (2024-01 and
later): ``lineItemsByFulfillmentOrder [{fulfillmentOrderId, fulfillmentOrderLineItems [{id, quantity}]}]``,
``trackingInfo {company number url}``, ``notifyCustomer``.

An unknown order reads as ``null``; ``fulfillmentCreate`` answers ``userErrors [{field, message}]`` (its
``UserError`` has no code) for an unknown or closed fulfillment order, an unknown line item, a quantity
that is not a whole number of at least 1 or more than remains, or no tracking number; nothing of a refused
mutation is recorded.
"""

from __future__ import annotations

import re
from typing import Any

from .common import Order
from .fulfilment_book import FulfilmentBook

ORDER = "gid://shopify/Order/"
FULFILMENT_ORDER = "gid://shopify/FulfillmentOrder/"
LINE = "gid://shopify/FulfillmentOrderLineItem/"
ORDER_ID = re.compile(r'order\(\s*id:\s*(?:"([^"]*)"|\$(\w+))\s*\)')


def _line_gid(line: dict[str, Any]) -> str:
    return LINE + str(line["line_id"]).replace("-", "")


def _status(book: FulfilmentBook, order: Order) -> str:
    if order.status != "open" or book.complete(order):
        return "CLOSED"
    untouched = all(book.remaining(order, li["line_id"]) == li["quantity"] for li in order.lines)
    return "OPEN" if untouched else "IN_PROGRESS"


def read_order(book: FulfilmentBook, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    """``data`` of an ``order(id:)`` query (with its fulfillment orders and fulfillments)."""
    found = ORDER_ID.search(query)
    gid = (found.group(1) if found.group(1) is not None else variables.get(found.group(2))) if found else None
    order = book.order(str(gid)[len(ORDER) :]) if isinstance(gid, str) and gid.startswith(ORDER) else None
    if order is None:
        return {"order": None}
    items = [
        {
            "id": _line_gid(li),
            "sku": li["sku"],
            "totalQuantity": li["quantity"],
            "remainingQuantity": book.remaining(order, li["line_id"]) if order.status == "open" else 0,
        }
        for li in order.lines
    ]
    fulfillments = [
        {"id": f"gid://shopify/Fulfillment/{r['id']}", "status": "SUCCESS",
         "trackingInfo": [{"company": r["carrier"], "number": r["tracking"], "url": r.get("url")}]}
        for r in book.records if r["order_id"] == order.id
    ]  # fmt: skip
    fulfillment_order = {
        "id": FULFILMENT_ORDER + order.id,
        "status": _status(book, order),
        "lineItems": {"nodes": items},
    }
    return {
        "order": {
            "id": ORDER + order.id,
            "cancelledAt": None if order.status == "open" else "2026-01-01T00:00:00Z",
            "fulfillments": fulfillments,
            "fulfillmentOrders": {"nodes": [fulfillment_order]},
        }
    }


def _refused(field: list[str], message: str) -> dict[str, Any]:
    return {"fulfillmentCreate": {"fulfillment": None, "userErrors": [{"field": field, "message": message}]}}


def create(book: FulfilmentBook, variables: dict[str, Any]) -> dict[str, Any]:
    """``data`` of a ``fulfillmentCreate`` mutation (the caller holds the state lock)."""
    given = variables.get("fulfillment")
    if not isinstance(given, dict):
        return {"errors": [{"message": "Variable $fulfillment of type FulfillmentInput! was provided invalid value"}]}
    tracking = given.get("trackingInfo") or {}
    if not isinstance(tracking, dict) or not str(tracking.get("number") or "").strip():
        return _refused(["fulfillment", "trackingInfo", "number"], "Tracking number can't be blank")
    url = tracking.get("url")
    if url is not None and not str(url).startswith(("http://", "https://")):
        return _refused(["fulfillment", "trackingInfo", "url"], "Tracking url is invalid")
    groups = given.get("lineItemsByFulfillmentOrder")
    if not isinstance(groups, list) or not groups:
        return _refused(
            ["fulfillment", "lineItemsByFulfillmentOrder"], "Line items by fulfillment order can't be blank"
        )
    lines: list[tuple[str, int]] = []
    order: Order | None = None
    for g, group in enumerate(groups):
        where = ["fulfillment", "lineItemsByFulfillmentOrder", str(g)]
        fo_id = str(group.get("fulfillmentOrderId") or "") if isinstance(group, dict) else ""
        order = book.order(fo_id[len(FULFILMENT_ORDER) :]) if fo_id.startswith(FULFILMENT_ORDER) else None
        if order is None:
            return _refused([*where, "fulfillmentOrderId"], "Fulfillment order does not exist.")
        if _status(book, order) == "CLOSED":
            return _refused([*where, "fulfillmentOrderId"], "Fulfillment order is not in a fulfillable state.")
        by_gid = {_line_gid(li): li["line_id"] for li in order.lines}
        for n, line in enumerate(group.get("fulfillmentOrderLineItems") or []):
            line_id = by_gid.get(str(line.get("id")))
            quantity = line.get("quantity")
            if line_id is None:
                return _refused(
                    [*where, "fulfillmentOrderLineItems", str(n), "id"], "Fulfillment order line item does not exist."
                )
            if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
                return _refused(
                    [*where, "fulfillmentOrderLineItems", str(n), "quantity"], "Quantity must be greater than 0"
                )
            if quantity > book.remaining(order, line_id) - sum(q for lid, q in lines if lid == line_id):
                return _refused([*where, "fulfillmentOrderLineItems", str(n), "quantity"],
                                "Invalid fulfillment order line item quantity requested.")  # fmt: skip
            lines.append((line_id, quantity))
    if order is None or not lines:
        return _refused(["fulfillment", "lineItemsByFulfillmentOrder"], "No line items to fulfill")
    record = book.record(
        order, lines, str(tracking.get("company") or ""), str(tracking["number"]), url=url,
        notify=bool(given.get("notifyCustomer")),
    )  # fmt: skip
    info = [{"company": record["carrier"], "number": record["tracking"], "url": url}]
    fulfillment = {"id": f"gid://shopify/Fulfillment/{record['id']}", "status": "SUCCESS", "trackingInfo": info}
    return {"fulfillmentCreate": {"fulfillment": fulfillment, "userErrors": []}}
