"""The Orders API of the Amazon emulator: ``searchOrders`` of Orders v2026-01-01 (order items inline, what
truecount polls), and the deprecated v0 ``getOrders`` + ``getOrderItems`` that older clients still call."""

from __future__ import annotations

import time
from typing import Any

from fastapi import Request, Response
from fastapi.responses import JSONResponse

from .amazon_common import Host, iso, parse_iso
from .amazon_fulfilment import fulfilment_status, packages
from .common import Order

MARKETPLACE = "A1F83G8C2ARO7P"


def _invalid(message: str) -> JSONResponse:
    return JSONResponse({"errors": [{"code": "InvalidInput", "message": message}]}, status_code=400)


def add_order_routes(emulator: Host) -> None:
    state = emulator.state

    def updated_after(after: float, *, inclusive: bool = False) -> list[Order]:
        """Orders updated after ``after`` (searchOrders: at or after it), oldest first."""
        with state.lock:
            found = [o for o in state.orders.values() if o.updated_at > after or (inclusive and o.updated_at >= after)]
        return sorted(found, key=lambda o: (o.updated_at, o.id))

    def search_orders(request: Request, response: Response) -> Any:
        refused = emulator.limit("searchOrders", response)
        if refused:
            return refused
        params = request.query_params
        since = [name for name in ("createdAfter", "lastUpdatedAfter") if params.get(name)]
        if len(since) != 1:
            return _invalid("Exactly one of createdAfter and lastUpdatedAfter must be provided.")
        page = min(max(int(params.get("maxResultsPerPage", "100")), 1), 100)
        start = int(params["paginationToken"]) if params.get("paginationToken") else 0
        found = updated_after(parse_iso(str(params[since[0]])), inclusive=True)
        datasets = set(params.getlist("includedData")) | {
            d for value in params.getlist("includedData") for d in value.split(",")
        }
        orders = []
        for order in found[start : start + page]:
            shown: dict[str, Any] = {
                "orderId": order.id,
                "createdTime": iso(order.created_at),
                "lastUpdatedTime": iso(order.updated_at),
                "salesChannel": {"channelName": "AMAZON", "marketplaceId": MARKETPLACE},
                "orderItems": [
                    {
                        "orderItemId": line["line_id"],
                        "quantityOrdered": line["quantity"],
                        "product": {"asin": f"B0{line['sku'][:8].upper():0>8}", "sellerSku": line["sku"]},
                    }
                    for line in order.lines
                ],
            }
            if "FULFILLMENT" in datasets:
                status = fulfilment_status(emulator.fulfilments, order)
                shown["fulfillment"] = {"fulfillmentStatus": status, "fulfilledBy": "MERCHANT"}
            orders.append({**shown, **order.override} if order.shown is None else order.shown)
        body: dict[str, Any] = {"orders": orders, "lastUpdatedBefore": iso(time.time())}
        if start + page < len(found):
            body["pagination"] = {"nextToken": str(start + page)}
        return body

    def v0_order(order: Order) -> dict[str, Any]:
        return {
            "AmazonOrderId": order.id,
            "PurchaseDate": iso(order.created_at),
            "LastUpdateDate": iso(order.updated_at),
            "OrderStatus": "Canceled" if order.status != "open" else "Unshipped",
            "FulfillmentChannel": "MFN",
            "NumberOfItemsUnshipped": sum(q for line in order.lines if isinstance(q := line["quantity"], int)),
            "MarketplaceId": MARKETPLACE,
        }

    def get_orders(request: Request, response: Response) -> Any:
        refused = emulator.limit("getOrders", response)
        if refused:
            return refused
        params = request.query_params
        page = min(int(params.get("MaxResultsPerPage", "100")), 100)
        start = int(params["NextToken"]) if params.get("NextToken") else 0
        after = params.get("LastUpdatedAfter") or params.get("CreatedAfter")
        if not params.get("MarketplaceIds") or not (after or params.get("NextToken")):
            return _invalid("MarketplaceIds and LastUpdatedAfter or CreatedAfter are required")
        found = updated_after(parse_iso(after or "1970-01-01T00:00:00Z"))
        payload: dict[str, Any] = {
            "Orders": [v0_order(o) for o in found[start : start + page]],
            "LastUpdatedBefore": iso(time.time()),
        }
        if start + page < len(found):
            payload["NextToken"] = str(start + page)
        return {"payload": payload}

    def get_order_items(order_id: str, response: Response) -> Any:
        refused = emulator.limit("getOrderItems", response)
        if refused:
            return refused
        with state.lock:
            order = state.orders.get(order_id)
            if order is None:
                return _invalid("Invalid AmazonOrderId")
            items = [
                {
                    "ASIN": f"B0{line['sku'][:8].upper():0>8}",
                    "SellerSKU": line["sku"],
                    "OrderItemId": line["line_id"],
                    "QuantityOrdered": line["quantity"],
                }
                for line in order.lines
            ]
        return {"payload": {"AmazonOrderId": order_id, "OrderItems": items}}

    def get_order(order_id: str, request: Request, response: Response) -> Any:
        """Orders v2026-01-01 ``getOrder``: the order with its items, and (``includedData``) its fulfilment
        status and packages."""
        refused = emulator.limit("getOrder", response)
        if refused:
            return refused
        datasets = {d for value in request.query_params.getlist("includedData") for d in value.split(",")}
        with state.lock:
            order = state.orders.get(order_id)
            if order is None:
                message = f"Order {order_id} was not found."
                return JSONResponse({"errors": [{"code": "NotFound", "message": message}]}, status_code=404)
            book = emulator.fulfilments
            shown: dict[str, Any] = {
                "orderId": order.id,
                "createdTime": iso(order.created_at),
                "lastUpdatedTime": iso(order.updated_at),
                "orderItems": [
                    {
                        "orderItemId": line["line_id"],
                        "quantityOrdered": line["quantity"],
                        "product": {"sellerSku": line["sku"]},
                    }
                    for line in order.lines
                ],
            }
            if "FULFILLMENT" in datasets:
                shown["fulfillment"] = {"fulfillmentStatus": fulfilment_status(book, order), "fulfilledBy": "MERCHANT"}
            if "PACKAGES" in datasets:
                shown["packages"] = packages(book, order)
        return {"order": shown}

    a = emulator.app
    a.get("/orders/2026-01-01/orders")(search_orders)
    a.get("/orders/2026-01-01/orders/{order_id}")(get_order)
    a.get("/orders/v0/orders")(get_orders)
    a.get("/orders/v0/orders/{order_id}/orderItems")(get_order_items)
