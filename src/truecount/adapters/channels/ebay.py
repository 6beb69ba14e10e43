"""eBay Sell APIs: Inventory ``bulk_update_price_quantity`` (at most 25 SKUs per call, as its docs say, with
per-SKU and per-offer answers in a 200/207) and ``inventory_item/{sku}`` read-back; Fulfillment ``getOrders``
filtered by ``lastmodifieddate`` with offset paging.

A listing's quantity is the smaller of the inventory item's ship-to-home quantity and its offer's
``availableQuantity``, so a listing with an ``offer_id`` gets both in the same request. A price lives on
the offer: a listing with a price and no ``offer_id`` has it looked up once (``getOffers``, ``GET
/offer?sku=&format=FIXED_PRICE``) and the id is handed back (``PushResult.learned``) to be remembered. eBay publishes
its call limits per day and per API (no per-second figure, no rate headers): each API's bucket holds
half a day's calls and refills the other half over the day, so no 24 hours exceed the limit
(``daily_calls_inventory``, ``daily_calls_fulfillment``; ``rate_per_s`` and ``burst`` set a tighter one).
A listing can be revised 250 times a calendar day; the queue's coalescing keeps a listing far below that.

Credentials: the app's keyset (``client_id``, ``client_secret``) and the seller's ``refresh_token``
(about 18 months) exchanged at ``/identity/v1/oauth2/token`` (``token_url``) for a user access token of
about two hours, refreshed ahead of expiry and once more on a 401; ``scopes`` (space-separated) default to
sell.inventory and sell.fulfillment. A pasted ``access_token`` works until it expires. Listing refs are SKUs.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from . import payloads
from .auth import ChannelAuth, EbayToken, StaticHeader
from .base import (
    AuthFailed,
    ChannelOrder,
    ChannelUnavailable,
    Check,
    FulfilmentItem,
    FulfilmentResult,
    OrderLine,
    PushItem,
    PushResult,
    RefusedOrder,
    WebhookDelivery,
)
from .ebay_fulfilment import push_fulfilments
from .http import Bucket, BucketFactory, HttpChannel, memory_buckets

PAGE = 50
SCOPE = "https://api.ebay.com/oauth/api_scope/"
SCOPES = f"{SCOPE}sell.inventory {SCOPE}sell.fulfillment"
DAILY_CALLS = {"inventory": 2_000_000, "fulfillment": 100_000}  # the default keyset's, per the call-limits page
BULK = "/sell/inventory/v1/bulk_update_price_quantity"
OFFERS = "/sell/inventory/v1/offer"


def ebay_auth(config: Mapping[str, Any]) -> ChannelAuth:
    if config.get("refresh_token"):
        return EbayToken(
            str(config.get("token_url") or str(config["base_url"]).rstrip("/") + "/identity/v1/oauth2/token"),
            str(config.get("client_id", "")),
            str(config.get("client_secret", "")),
            str(config["refresh_token"]),
            str(config.get("scopes") or SCOPES),
            timeout_s=float(config.get("timeout_s", 10)),
        )
    token = str(config.get("access_token", ""))
    return StaticHeader("Authorization", f"Bearer {token}" if token else "")


class EbayConnector:
    kind = "ebay"
    batch_limit = 25

    def __init__(
        self,
        config: Mapping[str, Any],
        *,
        buckets: BucketFactory | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.config = config
        self.auth = ebay_auth(config)
        self.http = HttpChannel(
            str(config["base_url"]),
            timeout_s=float(config.get("timeout_s", 10)),
            headers={"Content-Language": "en-US"},
            auth=self.auth,
            stop=stop,
        )
        made = buckets or memory_buckets()
        self.buckets = {api: self._bucket(made, api) for api in DAILY_CALLS}

    def _bucket(self, made: BucketFactory, api: str) -> Bucket:
        if self.config.get("rate_per_s"):
            rate = float(self.config["rate_per_s"])
            return made(api, rate, float(self.config.get("burst") or max(1.0, rate)))
        daily = float(self.config.get(f"daily_calls_{api}") or DAILY_CALLS[api])
        return made(api, daily / 2 / 86_400, max(1.0, daily / 2))

    def push(self, items: Sequence[PushItem]) -> list[PushResult]:
        results: list[PushResult] = []
        for start in range(0, len(items), self.batch_limit):
            chunk = items[start : start + self.batch_limit]
            looked_up = {item.ref: self._find_offer(item.ref) for item in chunk if _needs_offer(item)}
            requests = []
            for item in chunk:
                request: dict[str, Any] = {"sku": item.ref, "shipToLocationAvailability": {"quantity": item.quantity}}
                offer_id = item.detail.get("offer_id") or looked_up.get(item.ref)
                if offer_id:  # the offer's own quantity caps the listing: set both
                    offer: dict[str, Any] = {"offerId": str(offer_id)}
                    offer["availableQuantity"] = item.quantity
                    if item.price is not None:  # a price lives on the offer
                        offer["price"] = {"value": item.price, "currency": self.config.get("currency", "USD")}
                    request["offers"] = [offer]
                requests.append(request)
            answer = self.http.request(self.buckets["inventory"], "POST", BULK, json={"requests": requests})
            _denied(answer)
            if answer.status_code not in (200, 207):
                raise ChannelUnavailable(f"bulk_update_price_quantity: HTTP {answer.status_code} {answer.text[:200]}")
            by_sku: dict[str, list[dict[str, Any]]] = {}
            for response in answer.json().get("responses") or []:
                by_sku.setdefault(str(response.get("sku")), []).append(response)
            for item in chunk:
                found_id = looked_up.get(item.ref)
                learned = {"offer_id": found_id} if found_id else None
                found = by_sku.get(item.ref) or [{"statusCode": 500, "errors": [{"message": "no answer for this SKU"}]}]
                failed = [r for r in found if r.get("statusCode") != 200]
                if not failed and item.ref in looked_up and not found_id:
                    message = f"quantity set; price not set: eBay has no fixed-price offer for SKU {item.ref}"
                    results.append(PushResult(item.ref, False, message, retryable=False))
                    continue
                if not failed:
                    results.append(PushResult(item.ref, True, learned=learned))
                    continue
                message = "; ".join(str(e.get("message")) for r in failed for e in r.get("errors") or [])
                retryable = all(int(r.get("statusCode", 500)) >= 500 for r in failed)
                results.append(PushResult(item.ref, False, message, retryable=retryable, learned=learned))
        return results

    def _find_offer(self, sku: str) -> str | None:
        """getOffers: the id of the SKU's fixed-price offer (on the ``marketplace_id`` of the config when
        set; the first when eBay names several), or None when the SKU has no such offer (404)."""
        params = {"sku": sku, "format": "FIXED_PRICE"}
        if self.config.get("marketplace_id"):
            params["marketplace_id"] = str(self.config["marketplace_id"])
        answer = self.http.request(self.buckets["inventory"], "GET", OFFERS, params=params)
        _denied(answer)
        if answer.status_code == 429 or answer.status_code >= 500:
            raise ChannelUnavailable(f"getOffers: HTTP {answer.status_code} {answer.text[:200]}")
        if answer.status_code != 200:
            return None
        found = [str(o["offerId"]) for o in answer.json().get("offers") or [] if o.get("offerId")]
        return found[0] if found else None

    def push_fulfilment(self, items: Sequence[FulfilmentItem]) -> list[FulfilmentResult]:
        """Shipping fulfilments with tracking (``ebay_fulfilment``)."""
        return push_fulfilments(self, items)

    def read_back(self, refs: Sequence[str]) -> dict[str, int | None]:
        found: dict[str, int | None] = {}
        for ref in refs:
            answer = self.http.request(self.buckets["inventory"], "GET", f"/sell/inventory/v1/inventory_item/{ref}")
            if answer.status_code == 404:
                found[ref] = None
                continue
            availability = (answer.json().get("availability") or {}).get("shipToLocationAvailability") or {}
            found[ref] = int(availability["quantity"]) if "quantity" in availability else None
        return found

    def poll_orders(self, cursor: str | None) -> tuple[list[ChannelOrder | RefusedOrder], str | None]:
        if cursor is None:
            since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=float(self.config.get("initial_lookback_s", 86_400)))
            cursor = since.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        orders: list[ChannelOrder | RefusedOrder] = []
        newest = cursor
        offset = 0
        while True:
            params = {"filter": f"lastmodifieddate:[{cursor}..]", "limit": PAGE, "offset": offset}
            page = self.http.request(self.buckets["fulfillment"], "GET", "/sell/fulfillment/v1/order", params=params)
            _denied(page)
            if page.status_code != 200:
                raise ChannelUnavailable(f"getOrders: HTTP {page.status_code} {page.text[:200]}")
            body: dict[str, Any] = page.json()
            found, newest = payloads.read_page(
                body, "getOrders", payloads.EbayOrder, _ebay_order, "lastModifiedDate", newest
            )
            orders += found
            if not body.get("next"):
                return orders, newest
            offset += PAGE

    def check(self) -> list[Check]:
        """The token, then one cheap read of each API truecount uses (inventory, orders)."""
        reads = {
            "inventory": ("/sell/inventory/v1/inventory_item", "sell.inventory"),
            "fulfillment": ("/sell/fulfillment/v1/order", "sell.fulfillment"),
        }
        answers = {
            api: self.http.request(self.buckets[api], "GET", url, params={"limit": 1})
            for api, (url, _) in reads.items()
        }
        checks = [_credentials_check(self.auth)]
        for api, answer in answers.items():
            scope = reads[api][1]
            if answer.status_code == 200:
                checks.append(Check(f"{api} API", True, f"the token may use the {api} API ({scope})"))
            elif answer.status_code == 403:
                fix = f"grant the {scope} scope: add it to scopes and have the seller consent again"
                checks.append(Check(f"{api} API", False, "access denied: the token lacks the scope", fix))
            else:
                checks.append(Check(f"{api} API", False, f"HTTP {answer.status_code}: {answer.text[:200]}"))
        return checks

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> bool:
        return False  # eBay orders are polled

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookDelivery:
        raise NotImplementedError("eBay orders are polled, not pushed by webhook")

    def close(self) -> None:
        self.http.close()


def _ebay_order(order: payloads.EbayOrder) -> ChannelOrder:
    cancelled = order.cancelStatus is not None and order.cancelStatus.cancelState == "CANCELED"
    event = "cancelled" if cancelled else "created"
    if event == "created":
        payloads.needs_lines(order.lineItems, "lineItems")
    lines = [OrderLine(li.sku or "", li.quantity, ref=li.sku) for li in order.lineItems]
    return ChannelOrder(order.orderId, event, f"{order.orderId}:{event}", lines)


def _needs_offer(item: PushItem) -> bool:
    """A price to set on a listing whose offer id is not known yet: looked up once, then remembered."""
    return item.price is not None and not item.detail.get("offer_id")


def _denied(answer: httpx.Response) -> None:
    """A 403 is the token lacking the API's scope: no listing can be pushed until the seller consents again."""
    if answer.status_code == 403:
        raise AuthFailed(f"eBay denied access (the token lacks a scope): {answer.text[:300]}")


def _credentials_check(auth: ChannelAuth) -> Check:
    if isinstance(auth, EbayToken):
        lifetime = auth.granted.get("expires_in")
        return Check("credentials", True, f"the refresh token gives user access tokens (valid {lifetime} s)")
    return Check(
        "credentials",
        True,
        "a pasted user access token is used",
        "it expires within two hours: set client_id, client_secret and refresh_token to stay connected",
    )
