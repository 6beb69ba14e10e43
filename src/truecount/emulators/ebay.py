"""eBay emulator: the OAuth token endpoint (refresh-token grant), Sell Inventory ``bulk_update_price_quantity``
(≤ 25 SKUs per call, per-SKU and per-offer answers, 200/207), ``inventory_item`` and ``offer`` reads, and Sell
Fulfillment ``getOrders`` filtered by ``lastmodifieddate``, ``getOrder`` and ``createShippingFulfillment``
(``ebay_fulfilment``).

As eBay publishes them: call limits are per day and per API (``daily_calls``), never per second; a listing
can be revised at most 250 times a calendar day; a listing's quantity is the smaller of the inventory item's
ship-to-home quantity (``/_emulator/state`` listings) and its offer's ``availableQuantity``
(``GET /_emulator/offers``), so both are updated together. A request
without a valid user token gets 401 (errorId 1001); one whose token lacks the API's scope gets 403
(errorId 1100). Listings are keyed by SKU; ``PUT /_emulator/offers/{offerId}`` publishes an offer, which
``getOffers`` (``GET /sell/inventory/v1/offer?sku=``) then finds.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from typing import Any

from fastapi import Body, FastAPI, Request
from fastapi.responses import JSONResponse

from .auth import Gate, header
from .common import EmulatorState, build_app
from .ebay_fulfilment import add_fulfilment_routes

MAX_REQUESTS = 25
MAX_REVISIONS_A_DAY = 250
SCOPE = "https://api.ebay.com/oauth/api_scope/"
SCOPES = [SCOPE + "sell.inventory", SCOPE + "sell.fulfillment"]
DAILY_CALLS = {"inventory": 2_000_000, "fulfillment": 100_000}
FILTER = re.compile(r"lastmodifieddate:\[([^.\]]*(?:\.\d+)?Z?)\.\.([^\]]*)\]")


def iso(moment: float) -> str:
    return dt.datetime.fromtimestamp(moment, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _error(error_id: int | None, message: str, category: str = "REQUEST", domain: str = "API_INVENTORY") -> Any:
    found: dict[str, Any] = {"domain": domain, "category": category, "message": message}
    return {"errorId": error_id, **found} if error_id is not None else found


class EbayEmulator:
    def __init__(self, *, daily_calls: dict[str, int] | None = None, token_lifetime_s: float = 7200.0) -> None:
        self.state = EmulatorState("ebay", Gate("v^1.1#i^1#", token_lifetime_s))
        self.daily_calls = {**DAILY_CALLS, **(daily_calls or {})}
        self.calls: dict[tuple[str, str], int] = {}  # (api, UTC day) → calls
        self.revisions: dict[tuple[str, str], int] = {}  # (sku, UTC day) → revisions
        self.offers: dict[str, dict[str, Any]] = {}  # offer id → {sku, availableQuantity}
        self.state.on_reset.append(self._forget)
        self.app: FastAPI = build_app("eBay emulator", self.state, guard=self.guard)
        a = self.app
        a.post("/identity/v1/oauth2/token")(self.token)
        a.post("/sell/inventory/v1/bulk_update_price_quantity")(self.bulk_update)
        a.get("/sell/inventory/v1/inventory_item")(self.list_items)
        a.get("/sell/inventory/v1/inventory_item/{sku}")(self.get_item)
        a.get("/sell/inventory/v1/offer")(self.get_offers)
        a.get("/sell/inventory/v1/offer/{offer_id}")(self.get_offer)
        a.get("/sell/fulfillment/v1/order")(self.get_orders)
        a.put("/_emulator/offers/{offer_id}")(self.publish_offer)
        a.get("/_emulator/offers")(self.list_offers)
        self.fulfilments = add_fulfilment_routes(self)

    def _forget(self) -> None:
        self.calls.clear()
        self.revisions.clear()
        self.offers.clear()

    def guard(self, scope: dict[str, Any]) -> tuple[int, Any, dict[str, str]] | None:
        path = str(scope["path"])
        if path == "/identity/v1/oauth2/token":
            return None
        given = header(scope["headers"], "Authorization") or ""
        reason, scopes = self.state.gate.verify(given.removeprefix("Bearer ") if given.startswith("Bearer ") else None)
        if reason != "ok":
            long = "Invalid access token. Check the value of the Authorization HTTP request header."
            error = {**_error(1001, "Invalid access token", domain="OAuth"), "longMessage": long}
            return 401, {"errors": [error]}, {}
        api = "inventory" if "/sell/inventory/" in path else "fulfillment"
        needed = {SCOPE + f"sell.{api}", *([SCOPE + f"sell.{api}.readonly"] if scope["method"] == "GET" else [])}
        if scopes and not needed & set(scopes):
            self.state.gate.refuse("scope")
            long = "Insufficient permissions to fulfill the request."
            return (
                403,
                {"errors": [{**_error(1100, "Access denied", domain="API_" + api.upper()), "longMessage": long}]},
                {},
            )
        return None

    def limit(self, api: str) -> JSONResponse | None:
        """eBay's call limits are per day and per API; past one the answer is 429."""
        day = dt.datetime.now(dt.UTC).date().isoformat()
        self.state.called(api)
        with self.state.lock:
            used = self.calls.get((api, day), 0)
            if used < self.daily_calls[api]:
                self.calls[(api, day)] = used + 1
                return None
        self.state.violation(api)
        message = "Too many requests. The request limit has been reached for the resource."
        return JSONResponse({"errors": [_error(2001, message, domain="ACCESS")]}, status_code=429)

    async def token(self, request: Request) -> Any:
        """Refresh-token grant; the keyset (client id and secret) as HTTP Basic credentials."""
        gate = self.state.gate
        basic = request.headers.get("Authorization", "")
        try:
            client_id, _, secret = base64.b64decode(basic.removeprefix("Basic ")).decode().partition(":")
        except ValueError:
            client_id, secret = "", ""
        if not basic.startswith("Basic ") or not gate.client_ok(client_id, secret):
            gate.refuse("client")
            body = {"error": "invalid_client", "error_description": "client authentication failed"}
            return JSONResponse(body, status_code=401)
        form = dict((await request.form()).items())
        if form.get("grant_type") != "refresh_token" or not gate.grant_ok(str(form.get("refresh_token"))):
            gate.refuse("grant")
            description = "the provided authorization refresh token is invalid or was issued to another client"
            return JSONResponse({"error": "invalid_grant", "error_description": description}, status_code=400)
        asked = str(form.get("scope") or " ".join(SCOPES)).split()
        allowed = gate.settings.scopes or SCOPES
        if not set(asked) <= set(allowed) | {s + ".readonly" for s in allowed}:
            gate.refuse("scope")
            description = (
                "The requested scope is invalid, unknown, malformed, or exceeds the scope granted to the client."
            )
            return JSONResponse({"error": "invalid_scope", "error_description": description}, status_code=400)
        token, lifetime, _ = gate.issue(asked)
        return {"access_token": token, "expires_in": lifetime, "token_type": "User Access Token"}

    def _revise(self, sku: str, ship_to: int | None, offers: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Apply one SKU's update (inventory item and offers); the answers, one per offer (or one for the SKU)."""
        day = dt.datetime.now(dt.UTC).date().isoformat()
        with self.state.lock:
            revisions = self.revisions.get((sku, day), 0)
            if revisions >= MAX_REVISIONS_A_DAY:
                message = f"This listing was revised {MAX_REVISIONS_A_DAY} times today; revise it again tomorrow."
                return [{"statusCode": 400, "sku": sku, "errors": [_error(None, message)]}]
            self.revisions[(sku, day)] = revisions + 1
            self.state.maybe_stale(sku)
            if ship_to is not None:
                self.state.listing(sku).write(ship_to)
            answers = []
            for offer in offers:
                known = self.offers.get(str(offer.get("offerId")))
                if known is None or known["sku"] != sku:
                    message = "The offerId is invalid or not associated with this SKU."
                    answers.append({"statusCode": 400, "sku": sku, "offerId": offer.get("offerId"),
                                    "errors": [_error(25713, message)]})  # fmt: skip
                    continue
                price = offer.get("price")
                if price is not None and not _amount(price):
                    message = "The price is invalid: an Amount with a decimal string value and a currency."
                    answers.append({"statusCode": 400, "sku": sku, "offerId": offer.get("offerId"),
                                    "errors": [_error(25006, message)]})  # fmt: skip
                    continue
                if isinstance(offer.get("availableQuantity"), int):
                    known["availableQuantity"] = offer["availableQuantity"]
                if price is not None:
                    known["price"] = {"value": price["value"], "currency": price["currency"]}
                answers.append({"statusCode": 200, "sku": sku, "offerId": offer.get("offerId")})
            return answers or [{"statusCode": 200, "sku": sku}]

    def shown(self, sku: str) -> int:
        """What buyers see: the smaller of ship-to-home and every published offer's quantity."""
        with self.state.lock:
            listing = self.state.listings.get(sku)
            figures = [listing.quantity if listing else 0]
            figures += [int(o["availableQuantity"]) for o in self.offers.values() if o["sku"] == sku]
            return min(figures)

    def bulk_update(self, body: dict[str, Any] = Body(...)) -> Any:
        refused = self.limit("inventory")
        if refused:
            return refused
        requests = body.get("requests")
        if not isinstance(requests, list) or not 1 <= len(requests) <= MAX_REQUESTS:
            return JSONResponse(
                {"errors": [_error(25709, f"Between 1 and {MAX_REQUESTS} requests are allowed in one call.")]},
                status_code=400,
            )
        responses: list[dict[str, Any]] = []
        for item in requests:
            sku = item.get("sku")
            quantity = (item.get("shipToLocationAvailability") or {}).get("quantity")
            if not isinstance(sku, str) or not sku or len(sku) > 50:
                responses.append(
                    {"statusCode": 400, "sku": sku, "errors": [_error(25707, "This is an invalid value for a SKU.")]}
                )
            elif quantity is not None and (not isinstance(quantity, int) or quantity < 0):
                message = "The quantity must be a non-negative integer."
                responses.append({"statusCode": 400, "sku": sku, "errors": [_error(25604, message)]})
            else:
                responses += self._revise(sku, quantity, list(item.get("offers") or []))
        status = 200 if all(r["statusCode"] == 200 for r in responses) else 207
        return JSONResponse({"responses": responses}, status_code=status)

    def list_items(self, limit: int = 25, offset: int = 0) -> Any:
        refused = self.limit("inventory")
        if refused:
            return refused
        with self.state.lock:
            items = sorted(self.state.listings.items())
            shown = [
                {"sku": sku, "availability": {"shipToLocationAvailability": {"quantity": listing.quantity}}}
                for sku, listing in items[offset : offset + limit]
            ]
            return {"total": len(items), "size": len(shown), "inventoryItems": shown}

    def get_item(self, sku: str) -> Any:
        refused = self.limit("inventory")
        if refused:
            return refused
        with self.state.lock:
            listing = self.state.listings.get(sku)
            if listing is None:
                message = "We didn't find the resource/entity you are requesting."
                return JSONResponse({"errors": [_error(25710, message)]}, status_code=404)
            quantity = listing.quantity
            return {
                "sku": sku,
                "availability": {"shipToLocationAvailability": {"quantity": quantity}},
                "condition": "NEW",
            }

    def get_offer(self, offer_id: str) -> Any:
        refused = self.limit("inventory")
        if refused:
            return refused
        with self.state.lock:
            offer = self.offers.get(offer_id)
            if offer is None:
                message = "We didn't find the resource/entity you are requesting."
                return JSONResponse({"errors": [_error(25713, message)]}, status_code=404)
            return {"offerId": offer_id, "status": "PUBLISHED", **offer}

    def get_offers(self, request: Request) -> Any:
        """getOffers: a SKU's offers (``sku`` required; ``marketplace_id`` and ``format`` narrow them), one
        page of ``limit`` (default 100) from ``offset``; a SKU with no offer is 404 (errorId 25713)."""
        refused = self.limit("inventory")
        if refused:
            return refused
        params = request.query_params
        sku = params.get("sku", "")
        if not sku or len(sku) > 50:
            return JSONResponse({"errors": [_error(25707, "This is an invalid value for a SKU.")]}, status_code=400)
        limit, offset = max(int(params.get("limit", "100")), 1), max(int(params.get("offset", "0")), 0)
        with self.state.lock:
            found = [
                {"offerId": offer_id, "status": "PUBLISHED", **offer}
                for offer_id, offer in sorted(self.offers.items())
                if offer["sku"] == sku
                and params.get("marketplace_id", offer["marketplaceId"]) == offer["marketplaceId"]
                and params.get("format", offer["format"]) == offer["format"]
            ]
        if not found:
            return JSONResponse({"errors": [_error(25713, "This Offer is not available.")]}, status_code=404)
        shown = [{k: v for k, v in o.items() if k != "price"} | _pricing(o) for o in found[offset : offset + limit]]
        return {"href": str(request.url), "limit": limit, "offers": shown, "size": len(shown), "total": len(found)}

    def publish_offer(self, offer_id: str, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
        """Admin: an offer (a live listing on one marketplace, ``marketplace_id`` default EBAY_US, in one
        ``format``, default FIXED_PRICE) of a SKU, with its available quantity."""
        with self.state.lock:
            sku = str(body["sku"])
            self.state.listing(sku)
            self.offers[offer_id] = {
                "sku": sku,
                "availableQuantity": int(body.get("quantity", 0)),
                "marketplaceId": str(body.get("marketplace_id", "EBAY_US")),
                "format": str(body.get("format", "FIXED_PRICE")),
            }
            return {"offerId": offer_id, **self.offers[offer_id]}

    def list_offers(self) -> dict[str, Any]:
        """Admin: every offer with its quantity, and what buyers see per SKU."""
        with self.state.lock:
            offers = {offer_id: dict(offer) for offer_id, offer in self.offers.items()}
        return {"offers": offers, "shown": {o["sku"]: self.shown(o["sku"]) for o in offers.values()}}

    def get_orders(self, request: Request) -> Any:
        refused = self.limit("fulfillment")
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
                o.shown
                if o.shown is not None
                else {
                    "orderId": o.id,
                    "creationDate": iso(o.created_at),
                    "lastModifiedDate": iso(o.updated_at),
                    "orderFulfillmentStatus": "NOT_STARTED",
                    "cancelStatus": {"cancelState": "CANCELED" if o.status != "open" else "NONE_REQUESTED"},
                    "lineItems": [
                        {"lineItemId": line["line_id"], "sku": line["sku"], "quantity": line["quantity"]}
                        for line in o.lines
                    ],
                    **o.override,
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


def _pricing(offer: dict[str, Any]) -> dict[str, Any]:
    """An offer's price as getOffers shows it: ``pricingSummary.price`` (none until one is set)."""
    return {"pricingSummary": {"price": offer["price"]}} if offer.get("price") else {}


def _amount(price: Any) -> bool:
    """An eBay ``Amount``: ``{"value": "19.99", "currency": "USD"}`` (the value a decimal string)."""
    if not isinstance(price, dict) or not isinstance(price.get("currency"), str) or len(price["currency"]) != 3:
        return False
    value = price.get("value")
    if not isinstance(value, str):
        return False
    whole, _, cents = value.partition(".")
    return whole.isdigit() and (cents == "" or cents.isdigit())
