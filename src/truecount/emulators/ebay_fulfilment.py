"""The eBay emulator's Sell Fulfillment order routes: ``getOrder`` (``GET /sell/fulfillment/v1/order/{orderId}``,
line items with their ``lineItemFulfillmentStatus``), ``createShippingFulfillment`` (``POST
/sell/fulfillment/v1/order/{orderId}/shipping_fulfillment``: ``lineItems [{lineItemId, quantity}]``,
``shippedDate``, ``shippingCarrierCode``, ``trackingNumber``; 201 with the new fulfillment's URL in
``Location``) and ``getShippingFulfillments``. Calls count against the Fulfillment API's daily limit.

Refusals, in eBay's error shape: an unknown order is 404 errorId 32100 (``Invalid order ID``); a cancelled
order, an unknown ``lineItemId``, a quantity that is not a whole number of at least 1 or more than is left
to ship, a missing carrier or tracking number, or a ``shippedDate`` that is not ISO 8601 are 400 (the
emulator's errorIds for these are its own, in eBay's 34xxx range); nothing of a refused call is recorded.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

from fastapi import Body, FastAPI, Request
from fastapi.responses import JSONResponse

from .common import EmulatorState, Order
from .fulfilment_book import FulfilmentBook

API = "/sell/fulfillment/v1/order"


class Host(Protocol):
    state: EmulatorState
    app: FastAPI

    def limit(self, api: str) -> JSONResponse | None: ...


def _refuse(status: int, error_id: int, message: str, parameter: str | None = None) -> JSONResponse:
    error: dict[str, Any] = {
        "errorId": error_id,
        "domain": "API_FULFILLMENT",
        "category": "REQUEST",
        "message": message,
    }
    if parameter:
        error["parameters"] = [{"name": parameter, "value": message}]
    return JSONResponse({"errors": [error]}, status_code=status)


def _iso(moment: float) -> str:
    return dt.datetime.fromtimestamp(moment, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def add_fulfilment_routes(emulator: Host) -> FulfilmentBook:
    state = emulator.state
    book = FulfilmentBook(state, emulator.app)

    def unknown(order_id: str) -> JSONResponse:
        return _refuse(404, 32100, f"Invalid order ID: {order_id}", "orderId")

    def status(order: Order, line: dict[str, Any]) -> str:
        left = book.remaining(order, line["line_id"])
        if left == 0:
            return "FULFILLED"
        return "IN_PROGRESS" if left < line["quantity"] else "NOT_STARTED"

    def shown(order: Order) -> dict[str, Any]:
        lines = [
            {
                "lineItemId": line["line_id"],
                "sku": line["sku"],
                "quantity": line["quantity"],
                "lineItemFulfillmentStatus": status(order, line),
            }
            for line in order.lines
        ]
        statuses = {li["lineItemFulfillmentStatus"] for li in lines}
        overall = (
            "FULFILLED"
            if statuses == {"FULFILLED"}
            else ("NOT_STARTED" if statuses == {"NOT_STARTED"} else "IN_PROGRESS")
        )
        return {
            "orderId": order.id,
            "creationDate": _iso(order.created_at),
            "lastModifiedDate": _iso(order.updated_at),
            "orderFulfillmentStatus": overall,
            "cancelStatus": {"cancelState": "CANCELED" if order.status != "open" else "NONE_REQUESTED"},
            "lineItems": lines,
            "fulfillmentHrefs": [
                f"{API}/{order.id}/shipping_fulfillment/{r['id']}" for r in book.records if r["order_id"] == order.id
            ],
        }

    def get_order(order_id: str) -> Any:
        refused = emulator.limit("fulfillment")
        if refused:
            return refused
        with state.lock:
            order = book.order(order_id)
            return unknown(order_id) if order is None else shown(order)

    def create(order_id: str, request: Request, body: Any = Body(...)) -> Any:
        refused = emulator.limit("fulfillment")
        if refused:
            return refused
        if not isinstance(body, dict):
            return _refuse(400, 34000, "The request body must be a JSON object.")
        with state.lock:
            order = book.order(order_id)
            if order is None:
                return unknown(order_id)
            if order.status != "open":
                return _refuse(400, 34001, f"Order {order_id} is cancelled: it cannot be fulfilled.", "orderId")
            carrier, tracking = body.get("shippingCarrierCode"), body.get("trackingNumber")
            if not isinstance(carrier, str) or not carrier.strip():
                return _refuse(400, 34002, "shippingCarrierCode is missing or invalid.", "shippingCarrierCode")
            if not isinstance(tracking, str) or not tracking.strip() or not tracking.isalnum():
                return _refuse(400, 34003, "trackingNumber is missing or invalid.", "trackingNumber")
            shipped = body.get("shippedDate")
            if shipped is not None:
                try:
                    dt.datetime.fromisoformat(str(shipped).replace("Z", "+00:00"))
                except ValueError:
                    return _refuse(
                        400, 34004, "shippedDate must be ISO 8601 (YYYY-MM-DDTHH:MM:SS.SSSZ).", "shippedDate"
                    )
            given = body.get("lineItems")
            if not isinstance(given, list) or not given:
                return _refuse(400, 34005, "lineItems must name at least one line item.", "lineItems")
            lines: list[tuple[str, int]] = []
            known = {li["line_id"] for li in order.lines}
            for item in given:
                line_id = item.get("lineItemId") if isinstance(item, dict) else None
                quantity = item.get("quantity") if isinstance(item, dict) else None
                if line_id not in known:
                    return _refuse(400, 34006, f"Invalid line item id: {line_id}", "lineItemId")
                if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
                    return _refuse(400, 34007, f"Invalid quantity for line item {line_id}.", "quantity")
                if quantity > book.remaining(order, str(line_id)) - sum(q for lid, q in lines if lid == line_id):
                    message = f"Line item {line_id}: the quantity is more than is left to fulfil."
                    return _refuse(400, 34008, message, "quantity")
                lines.append((str(line_id), quantity))
            record = book.record(order, lines, carrier, tracking, shipped_date=shipped)
        location = f"{str(request.base_url).rstrip('/')}{API}/{order_id}/shipping_fulfillment/{record['id']}"
        return JSONResponse({}, status_code=201, headers={"Location": location})

    def list_fulfilments(order_id: str) -> Any:
        refused = emulator.limit("fulfillment")
        if refused:
            return refused
        with state.lock:
            if book.order(order_id) is None:
                return unknown(order_id)
            found = [
                {
                    "fulfillmentId": r["id"],
                    "lineItems": [{"lineItemId": li["line_id"], "quantity": li["quantity"]} for li in r["lines"]],
                    "shipmentTrackingNumber": r["tracking"],
                    "shippingCarrierCode": r["carrier"],
                    "shippedDate": r.get("shipped_date") or _iso(r["at"]),
                }
                for r in book.records
                if r["order_id"] == order_id
            ]
        return {"fulfillments": found, "total": len(found)}

    a = emulator.app
    a.get(API + "/{order_id}")(get_order)
    a.post(API + "/{order_id}/shipping_fulfillment")(create)
    a.get(API + "/{order_id}/shipping_fulfillment")(list_fulfilments)
    return book
