"""eBay emulator: Sell Inventory ``bulk_update_price_quantity`` (≤ 25 per call, per-SKU answers, 200/207),
``inventory_item/{sku}`` read-back, and Sell Fulfillment ``getOrders`` filtered by ``lastmodifieddate``.

Each resource (inventory, fulfillment) has a token bucket; over it the answer is 429 and counts
as a violation. Listings are keyed by SKU.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from fastapi import Body, FastAPI, Request
from fastapi.responses import JSONResponse

from .common import Bucket, EmulatorState, build_app

MAX_REQUESTS = 25
FILTER = re.compile(r"lastmodifieddate:\[([^.\]]*(?:\.\d+)?Z?)\.\.([^\]]*)\]")


def iso(moment: float) -> str:
    return dt.datetime.fromtimestamp(moment, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _error(error_id: int, message: str, category: str = "REQUEST") -> dict[str, Any]:
    return {"errorId": error_id, "domain": "API_INVENTORY", "category": category, "message": message}


class EbayEmulator:
    def __init__(self, *, rate_per_s: float = 20.0, burst: float = 40.0) -> None:
        self.state = EmulatorState("ebay")
        self.buckets = {"inventory": Bucket(rate_per_s, burst), "fulfillment": Bucket(rate_per_s, burst)}
        self.app: FastAPI = build_app("eBay emulator", self.state)
        self.app.post("/sell/inventory/v1/bulk_update_price_quantity")(self.bulk_update)
        self.app.get("/sell/inventory/v1/inventory_item/{sku}")(self.get_item)
        self.app.get("/sell/fulfillment/v1/order")(self.get_orders)
        self.app.post("/identity/v1/oauth2/token")(self.token)

    def _limit(self, resource: str) -> JSONResponse | None:
        if self.buckets[resource].take():
            return None
        self.state.violation(resource)
        body = {
            "errors": [
                {
                    "errorId": 2001,
                    "domain": "ACCESS",
                    "category": "REQUEST",
                    "message": "Too many requests. The request limit has been reached for the resource.",
                }
            ]
        }
        return JSONResponse(body, status_code=429)

    def token(self) -> dict[str, Any]:
        return {"access_token": "v^1.1#emulator", "expires_in": 7200, "token_type": "User Access Token"}

    def bulk_update(self, body: dict[str, Any] = Body(...)) -> Any:
        refused = self._limit("inventory")
        if refused:
            return refused
        requests = body.get("requests")
        if not isinstance(requests, list) or not 1 <= len(requests) <= MAX_REQUESTS:
            return JSONResponse(
                {"errors": [_error(25709, f"Between 1 and {MAX_REQUESTS} requests are allowed in one call.")]},
                status_code=400,
            )
        responses = []
        for item in requests:
            sku = item.get("sku")
            quantity = (item.get("shipToLocationAvailability") or {}).get("quantity")
            if not isinstance(sku, str) or not sku or len(sku) > 50:
                responses.append(
                    {"statusCode": 400, "sku": sku, "errors": [_error(25707, "This is an invalid value for a SKU.")]}
                )
                continue
            if not isinstance(quantity, int) or quantity < 0:
                responses.append(
                    {
                        "statusCode": 400,
                        "sku": sku,
                        "errors": [_error(25604, "The quantity must be a non-negative integer.")],
                    }
                )
                continue
            with self.state.lock:
                self.state.maybe_stale(sku)
                listing = self.state.listing(sku)
                listing.write(quantity)
            answer: dict[str, Any] = {"statusCode": 200, "sku": sku}
            for offer in item.get("offers") or []:
                answer["offerId"] = offer.get("offerId")
            responses.append(answer)
        status = 200 if all(r["statusCode"] == 200 for r in responses) else 207
        return JSONResponse({"responses": responses}, status_code=status)

    def get_item(self, sku: str) -> Any:
        refused = self._limit("inventory")
        if refused:
            return refused
        with self.state.lock:
            listing = self.state.listings.get(sku)
            if listing is None:
                return JSONResponse(
                    {"errors": [_error(25710, "We didn't find the resource/entity you are requesting.")]},
                    status_code=404,
                )
            return {
                "sku": sku,
                "availability": {"shipToLocationAvailability": {"quantity": listing.quantity}},
                "condition": "NEW",
            }

    def get_orders(self, request: Request) -> Any:
        refused = self._limit("fulfillment")
        if refused:
            return refused
        params = request.query_params
        limit = min(max(int(params.get("limit", "50")), 1), 200)
        offset = max(int(params.get("offset", "0")), 0)
        after = 0.0
        match = FILTER.search(params.get("filter", ""))
        if params.get("filter") and not match:
            return JSONResponse({"errors": [_error(30700, "Invalid filter", "REQUEST")]}, status_code=400)
        if match and match.group(1):
            after = dt.datetime.fromisoformat(match.group(1).replace("Z", "+00:00")).timestamp()
        with self.state.lock:
            found = sorted(
                (o for o in self.state.orders.values() if o.updated_at >= after), key=lambda o: (o.updated_at, o.id)
            )
            orders = [
                {
                    "orderId": o.id,
                    "creationDate": iso(o.created_at),
                    "lastModifiedDate": iso(o.updated_at),
                    "orderFulfillmentStatus": "NOT_STARTED",
                    "cancelStatus": {"cancelState": "CANCELED" if o.status != "open" else "NONE_REQUESTED"},
                    "lineItems": [
                        {"lineItemId": line["line_id"], "sku": line["sku"], "quantity": line["quantity"]}
                        for line in o.lines
                    ],
                }
                for o in found[offset : offset + limit]
            ]
        page: dict[str, Any] = {
            "href": str(request.url),
            "total": len(found),
            "limit": limit,
            "offset": offset,
            "orders": orders,
        }
        if offset + limit < len(found):
            page["next"] = str(request.url.include_query_params(offset=offset + limit))
        return page
