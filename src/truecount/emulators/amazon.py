"""Amazon Selling Partner API emulator: the Login with Amazon token endpoint, Listings Items (patch/get
``fulfillment_availability``), Sellers ``getMarketplaceParticipations``, Feeds (``amazon_feeds``) and Orders
(``amazon_orders``).

Every operation has its own token bucket (the published default rate per second and burst) and every
answer carries ``x-amzn-RateLimit-Limit``; a request over the limit gets 429 ``QuotaExceeded`` and counts
as a violation. A request without a valid ``x-amz-access-token`` gets 403 ``Unauthorized`` with the
reason in ``details`` (missing, invalid, expired). ``ACCEPTED`` means accepted for processing: the
quantity is applied ``apply_delay_s`` later, as on Amazon. Listings are keyed by seller SKU.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

from fastapi import Body, FastAPI, Request, Response
from fastapi.responses import JSONResponse

from .amazon_common import issue
from .amazon_feeds import add_feed_routes
from .amazon_orders import add_order_routes
from .auth import Gate, header
from .common import Bucket, EmulatorState, build_app
from .fulfilment_book import FulfilmentBook

# Published default (rate per second, burst) per operation.
RATES: dict[str, tuple[float, float]] = {
    "patchListingsItem": (5.0, 5.0),
    "getListingsItem": (5.0, 10.0),
    "getMarketplaceParticipations": (0.016, 15.0),
    "createFeedDocument": (0.5, 15.0),
    "createFeed": (0.0083, 15.0),
    "getFeed": (2.0, 15.0),
    "getFeedDocument": (0.0222, 10.0),
    "searchOrders": (0.0056, 20.0),
    "getOrders": (0.0167, 20.0),
    "getOrderItems": (0.5, 30.0),
    "getOrder": (0.5, 30.0),
}
MARKETPLACES = {"ATVPDKIKX0DER": ("Amazon.com", "US"), "A1F83G8C2ARO7P": ("Amazon.co.uk", "GB")}
DENIED = "Access to requested resource is denied."
REASONS = {
    "missing": "",
    "wrong": "The access token you provided is revoked, malformed or invalid.",
    "expired": "The access token you provided has expired.",
}


class AmazonEmulator:
    def __init__(
        self,
        *,
        rates: dict[str, tuple[float, float]] | None = None,
        feed_delay_s: float = 2.0,
        apply_delay_s: float = 0.1,
        token_lifetime_s: float = 3600.0,
    ) -> None:
        self.state = EmulatorState("amazon", Gate("Atza|", token_lifetime_s))
        self.rates = {**RATES, **(rates or {})}
        self.buckets = {op: Bucket(rate, burst) for op, (rate, burst) in self.rates.items()}
        self.feed_delay_s = feed_delay_s
        self.apply_delay_s = apply_delay_s
        self.app: FastAPI = build_app("Amazon SP-API emulator", self.state, guard=self.guard)
        a = self.app
        a.post("/auth/o2/token")(self.token)
        a.patch("/listings/2021-08-01/items/{seller_id}/{sku}")(self.patch_listing)
        a.get("/listings/2021-08-01/items/{seller_id}/{sku}")(self.get_listing)
        a.get("/sellers/v1/marketplaceParticipations")(self.participations)
        self.fulfilments = FulfilmentBook(self.state, a)  # the order fulfilment feed (amazon_fulfilment)
        add_feed_routes(self)
        add_order_routes(self)

    def guard(self, scope: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]] | None:
        path = str(scope["path"])
        if path == "/auth/o2/token" or path.startswith("/_feeds/"):
            return None  # the token endpoint, and document storage (pre-signed URLs)
        reason, _scopes = self.state.gate.verify(header(scope["headers"], "x-amz-access-token"))
        if reason == "ok":
            return None
        body = {"errors": [{"code": "Unauthorized", "message": DENIED, "details": REASONS[reason]}]}
        return 403, body, {"x-amzn-RequestId": str(uuid.uuid4())}

    def limit(self, op: str, response: Response) -> JSONResponse | None:
        rate = self.rates[op][0]
        self.state.called(op)
        response.headers["x-amzn-RateLimit-Limit"] = str(rate)
        response.headers["x-amzn-RequestId"] = str(uuid.uuid4())
        if self.buckets[op].take():
            return None
        self.state.violation(op)
        body = {"errors": [{"code": "QuotaExceeded", "message": "You exceeded your quota for the requested resource."}]}
        return JSONResponse(body, status_code=429, headers={"x-amzn-RateLimit-Limit": str(rate)})

    async def token(self, request: Request) -> Any:
        """Login with Amazon: ``grant_type=refresh_token`` with the app's client id and secret."""
        form = dict((await request.form()).items())
        gate = self.state.gate
        if not gate.client_ok(str(form.get("client_id")), str(form.get("client_secret"))):
            gate.refuse("client")
            return JSONResponse(
                {"error": "invalid_client", "error_description": "Client authentication failed"}, status_code=401
            )
        if form.get("grant_type") != "refresh_token" or not gate.grant_ok(str(form.get("refresh_token"))):
            gate.refuse("grant")
            body = {
                "error": "invalid_grant",
                "error_description": "The request has an invalid grant parameter : refresh_token",
            }
            return JSONResponse(body, status_code=400)
        token, lifetime, _ = gate.issue()
        return {
            "access_token": token,
            "refresh_token": gate.settings.refresh_token,
            "token_type": "bearer",
            "expires_in": int(lifetime) if lifetime >= 1 else lifetime,
        }

    def apply(self, sku: str, body: dict[str, Any], *, delay_s: float = 0.0) -> list[dict[str, Any]]:
        """Check a listings PATCH body and apply it (after ``delay_s``); return its issues (empty: accepted)."""
        patches = body.get("patches")
        if not isinstance(patches, list) or not patches or not body.get("productType"):
            return [issue("4000001", "productType and a non-empty patches list are required", ["patches"])]
        updates = []
        prices: list[tuple[str, str]] = []
        for patch in patches:
            if patch.get("op") not in ("replace", "merge") or patch.get("path") not in (
                "/attributes/fulfillment_availability",
                "/attributes/purchasable_offer",
            ):
                return [issue("90220", f"'{patch.get('path')}' is not a supported patch", ["patches"])]
            if patch["path"] == "/attributes/purchasable_offer":
                found = _offer_price(patch.get("value"))
                if isinstance(found, dict):
                    return [found]
                prices.append(found)
                continue
            for value in patch.get("value") or []:
                quantity = value.get("quantity")
                if not isinstance(quantity, int) or quantity < 0:
                    return [issue("90244", "quantity must be a non-negative integer", ["fulfillment_availability"])]
                updates.append(quantity)
        if not updates and not prices:
            return [issue("90244", "fulfillment_availability needs a quantity", ["fulfillment_availability"])]

        def write() -> None:
            with self.state.lock:
                listing = self.state.listing(sku)
                if updates:
                    listing.write(updates[-1])
                if prices:
                    listing.price, listing.currency = prices[-1]

        if delay_s > 0:
            timer = threading.Timer(delay_s, write)
            timer.daemon = True
            timer.start()
        else:
            write()
        return []

    def patch_listing(
        self, seller_id: str, sku: str, marketplaceIds: str, response: Response, body: dict[str, Any] = Body(...)
    ) -> Any:
        refused = self.limit("patchListingsItem", response)
        if refused:
            return refused
        issues = self.apply(sku, body, delay_s=self.apply_delay_s)
        return {
            "sku": sku,
            "status": "INVALID" if issues else "ACCEPTED",
            "submissionId": uuid.uuid4().hex,
            "issues": issues,
        }

    def get_listing(
        self, seller_id: str, sku: str, marketplaceIds: str, response: Response, includedData: str = "summaries"
    ) -> Any:
        refused = self.limit("getListingsItem", response)
        if refused:
            return refused
        with self.state.lock:
            listing = self.state.listings.get(sku)
            if listing is None:
                return JSONResponse(
                    {"errors": [{"code": "NOT_FOUND", "message": f"SKU '{sku}' not found"}]}, status_code=404
                )
            quantity = listing.quantity
        return {
            "sku": sku,
            "summaries": [
                {"marketplaceId": marketplaceIds.split(",")[0], "status": ["BUYABLE"] if quantity else ["DISCOVERABLE"]}
            ],
            "fulfillmentAvailability": [{"fulfillmentChannelCode": "DEFAULT", "quantity": quantity}],
        }

    def participations(self, response: Response) -> Any:
        """The marketplaces the seller sells in (a cheap read that proves the credentials)."""
        refused = self.limit("getMarketplaceParticipations", response)
        if refused:
            return refused
        return {
            "payload": [
                {
                    "marketplace": {"id": mid, "name": name, "countryCode": country},
                    "participation": {"isParticipating": True, "hasSuspendedListings": False},
                }
                for mid, (name, country) in MARKETPLACES.items()
            ]
        }


def _offer_price(value: Any) -> tuple[str, str] | dict[str, Any]:
    """The price of a ``purchasable_offer`` patch value (``[{marketplace_id, currency, our_price: [{schedule:
    [{value_with_tax}]}]}]``) as (price, currency), or the issue that refuses it."""
    needs = "purchasable_offer needs currency and our_price[0].schedule[0].value_with_tax"
    bad = issue("90244", needs, ["purchasable_offer"])
    try:
        offer = value[0]
        amount = offer["our_price"][0]["schedule"][0]["value_with_tax"]
        currency = offer["currency"]
    except (TypeError, KeyError, IndexError):
        return bad
    if isinstance(amount, bool) or not isinstance(amount, int | float) or amount < 0:
        return bad
    if not isinstance(currency, str) or len(currency) != 3:
        return bad
    return f"{amount:.2f}", currency
