"""Shopify fulfilments with tracking, through the Admin GraphQL API (2024-01 and later): read the order's
``fulfillmentOrders`` (their line items by ``sku`` with ``remainingQuantity``) and its ``fulfillments``
(a fulfilment whose tracking number is already there is not sent again: a retry after a lost answer), then
``fulfillmentCreate`` with ``lineItemsByFulfillmentOrder``, ``trackingInfo {company number url}`` and
``notifyCustomer`` (the channel's ``notify_customer`` setting, default true). The app needs the
``read_orders`` and ``write_merchant_managed_fulfillment_orders`` scopes (and the third-party ones when
another app holds the fulfillment orders).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from .base import FulfilmentItem, FulfilmentResult
from .fulfil_lines import CannotAllocate, ChannelLine, allocate

ORDER = """query fulfilmentOrders($id: ID!) {
  order(id: $id) {
    id
    cancelledAt
    fulfillments(first: 50) { trackingInfo { company number url } }
    fulfillmentOrders(first: 20) {
      nodes { id status lineItems(first: 100) { nodes { id sku totalQuantity remainingQuantity } } }
    }
  }
}"""
ORDER_COST = 12
CREATE = """mutation fulfillmentCreate($fulfillment: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $fulfillment) {
    fulfillment { id status trackingInfo { company number url } }
    userErrors { field message }
  }
}"""
CREATE_COST = 10
FULFILLABLE = ("OPEN", "IN_PROGRESS")


class Shopify(Protocol):
    config: Mapping[str, Any]

    def graphql(self, query: str, variables: dict[str, Any], cost: float, *, resend: bool = True) -> dict[str, Any]: ...


def _gid(value: str) -> str:
    return value if value.startswith("gid://") else f"gid://shopify/Order/{value}"


def push_fulfilments(shop: Shopify, items: Sequence[FulfilmentItem]) -> list[FulfilmentResult]:
    return [_one(shop, item) for item in items]


def _one(shop: Shopify, item: FulfilmentItem) -> FulfilmentResult:
    order = (shop.graphql(ORDER, {"id": _gid(item.order_ref)}, ORDER_COST).get("data") or {}).get("order")
    if order is None:
        return FulfilmentResult(item.key, False, f"Shopify has no order {item.order_ref}", retryable=False)
    for done in order.get("fulfillments") or []:
        if any(info.get("number") == item.tracking for info in done.get("trackingInfo") or []):
            return FulfilmentResult(item.key, True)  # sent before (its answer was lost): nothing more to do
    if order.get("cancelledAt"):
        return FulfilmentResult(item.key, False, f"Shopify order {item.order_ref} is cancelled", retryable=False)
    lines: list[ChannelLine] = []
    owner: dict[str, str] = {}  # fulfillment order line item → its fulfillment order
    for fo in (order.get("fulfillmentOrders") or {}).get("nodes") or []:
        if fo.get("status") not in FULFILLABLE:
            continue
        for li in (fo.get("lineItems") or {}).get("nodes") or []:
            lines.append(ChannelLine(str(li["id"]), str(li.get("sku") or ""), int(li.get("remainingQuantity") or 0)))
            owner[str(li["id"])] = str(fo["id"])
    try:
        taken = allocate(item.lines, lines)
    except CannotAllocate as refused:
        return FulfilmentResult(item.key, False, f"Shopify order {item.order_ref}: {refused}", retryable=False)
    groups: dict[str, list[dict[str, Any]]] = {}
    for line_id, units in taken:
        groups.setdefault(owner[line_id], []).append({"id": line_id, "quantity": units})
    tracking: dict[str, Any] = {"company": item.carrier, "number": item.tracking}
    if item.tracking_url:
        tracking["url"] = item.tracking_url
    fulfillment = {
        "lineItemsByFulfillmentOrder": [
            {"fulfillmentOrderId": fo_id, "fulfillmentOrderLineItems": members} for fo_id, members in groups.items()
        ],
        "trackingInfo": tracking,
        "notifyCustomer": shop.config.get("notify_customer", True) not in (False, 0, "false", "False", "0", "no"),
    }
    body = shop.graphql(CREATE, {"fulfillment": fulfillment}, CREATE_COST, resend=False)
    created = (body.get("data") or {}).get("fulfillmentCreate")
    if created is None:
        return FulfilmentResult(item.key, False, f"Shopify GraphQL errors: {body.get('errors')}", retryable=False)
    errors = created.get("userErrors") or []
    if errors:
        message = "; ".join(f"{'.'.join(e.get('field') or [])}: {e.get('message')}" for e in errors)
        return FulfilmentResult(item.key, False, f"Shopify refused: {message}", retryable=False)
    return FulfilmentResult(item.key, True)
