"""Amazon Selling Partner API: Listings Items ``patchListingsItem`` on ``fulfillment_availability`` for
single pushes, ``JSON_LISTINGS_FEED`` for batches (``amazon_feeds``), and Orders ``searchOrders`` (Orders API
v2026-01-01: order items come inline; the v0 ``getOrders``/``getOrderItems`` are deprecated) polled from a
persisted cursor.

Credentials: a Login with Amazon refresh token with the app's client id and secret (``refresh_token``,
``lwa_client_id``, ``lwa_client_secret``; ``lwa_token_url``), exchanged for an access token sent as
``x-amz-access-token`` and refreshed ahead of expiry; a pasted ``access_token`` works until it expires.
Each operation has its own bucket (the published rate and burst, lowered by 10 % and one request for
safety, and re-read from every ``x-amzn-RateLimit-Limit``). Every answer's ``status``/``issues`` are
checked. Other config keys: ``seller_id``, ``marketplace_id``, ``product_type`` (``PRODUCT``),
``use_feeds``, ``feed_poll_s``, ``feed_timeout_s``, ``rate_limits`` ({operation: [rate, burst]}),
``initial_lookback_s``, ``timeout_s``. Listing refs are seller SKUs.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from . import payloads
from .amazon_feeds import push_feed
from .amazon_fulfilment import push_fulfilments
from .auth import ChannelAuth, LwaToken, StaticHeader
from .base import (
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
from .http import BucketFactory, HttpChannel, memory_buckets

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
    "getOrder": (0.5, 30.0),
}
ORDERS = "/orders/2026-01-01/orders"
LWA_TOKEN_URL = "https://api.amazon.com/auth/o2/token"
SAFETY = 0.9


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def amazon_auth(config: Mapping[str, Any]) -> ChannelAuth:
    """LWA refresh-token exchange when the app's credentials are given, else the pasted access token."""
    if config.get("refresh_token"):
        return LwaToken(
            str(config.get("lwa_token_url") or LWA_TOKEN_URL),
            str(config.get("lwa_client_id", "")),
            str(config.get("lwa_client_secret", "")),
            str(config["refresh_token"]),
            timeout_s=float(config.get("timeout_s", 10)),
        )
    return StaticHeader("x-amz-access-token", str(config.get("access_token", "")), refusals=(401, 403))


class AmazonConnector:
    kind = "amazon"

    def __init__(
        self,
        config: Mapping[str, Any],
        *,
        buckets: BucketFactory | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.config = config
        self.auth = amazon_auth(config)
        self.http = HttpChannel(
            str(config["base_url"]), timeout_s=float(config.get("timeout_s", 10)), auth=self.auth, stop=stop
        )
        rates = {**RATES, **{k: tuple(v) for k, v in (config.get("rate_limits") or {}).items()}}
        made = buckets or memory_buckets()
        self.buckets = {op: made(op, rate * SAFETY, max(1.0, burst - 1)) for op, (rate, burst) in rates.items()}
        self.storage = memory_buckets()("documents", 1e9, 1e9)  # document storage (S3) has no SP-API quota
        self.seller = str(config.get("seller_id", "SELLER"))
        self.marketplace = str(config.get("marketplace_id", "ATVPDKIKX0DER"))
        self.use_feeds = bool(config.get("use_feeds", False))
        self.batch_limit = 10_000 if self.use_feeds else 50

    def call(self, op: str, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One SP-API operation, paced by its bucket; the bucket learns the rate the answer states."""

        def learn(answer: httpx.Response) -> None:
            limit = answer.headers.get("x-amzn-RateLimit-Limit")
            if limit:
                self.buckets[op].update(rate=float(limit) * SAFETY)

        return self.http.request(self.buckets[op], method, url, on_answer=learn, **kwargs)

    def patch_body(self, quantity: int, price: str | None = None) -> dict[str, Any]:
        value = [{"fulfillment_channel_code": "DEFAULT", "quantity": quantity}]
        patches = [{"op": "replace", "path": "/attributes/fulfillment_availability", "value": value}]
        if price is not None:  # the offer's price, in the listing's marketplace
            offer = {
                "marketplace_id": self.marketplace,
                "currency": self.config.get("currency", "USD"),
                "our_price": [{"schedule": [{"value_with_tax": float(price)}]}],
            }
            patches.append({"op": "replace", "path": "/attributes/purchasable_offer", "value": [offer]})
        return {"productType": self.config.get("product_type", "PRODUCT"), "patches": patches}

    def push(self, items: Sequence[PushItem]) -> list[PushResult]:
        if self.use_feeds and len(items) > 1:
            return push_feed(self, items)
        results = []
        for item in items:
            answer = self.call(
                "patchListingsItem",
                "PATCH",
                f"/listings/2021-08-01/items/{self.seller}/{item.ref}",
                params={"marketplaceIds": self.marketplace},
                json=self.patch_body(item.quantity, item.price),
            )
            body = answer.json() if answer.content else {}
            if answer.status_code == 200 and body.get("status") == "ACCEPTED":
                results.append(PushResult(item.ref, True))  # accepted for processing, applied shortly
            else:
                issues = body.get("issues") or body.get("errors") or [{"message": f"HTTP {answer.status_code}"}]
                message = "; ".join(str(i.get("message")) for i in issues)
                results.append(PushResult(item.ref, False, message, retryable=False))
        return results

    def push_fulfilment(self, items: Sequence[FulfilmentItem]) -> list[FulfilmentResult]:
        """Shipment confirmations with tracking as one order fulfilment feed (``amazon_fulfilment``)."""
        return push_fulfilments(self, items)

    def read_back(self, refs: Sequence[str]) -> dict[str, int | None]:
        found: dict[str, int | None] = {}
        for ref in refs:
            answer = self.call(
                "getListingsItem",
                "GET",
                f"/listings/2021-08-01/items/{self.seller}/{ref}",
                params={"marketplaceIds": self.marketplace, "includedData": "fulfillmentAvailability"},
            )
            if answer.status_code == 404:
                found[ref] = None
                continue
            default = [
                a
                for a in answer.json().get("fulfillmentAvailability") or []
                if a.get("fulfillmentChannelCode") == "DEFAULT"
            ]
            found[ref] = int(default[0]["quantity"]) if default else None
        return found

    def poll_orders(self, cursor: str | None) -> tuple[list[ChannelOrder | RefusedOrder], str | None]:
        """``searchOrders`` from ``cursor`` (orders updated at or after it), every page, items inline."""
        if cursor is None:
            since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=float(self.config.get("initial_lookback_s", 86_400)))
            cursor = _iso(since)
        query: dict[str, Any] = {
            "lastUpdatedAfter": cursor,
            "marketplaceIds": self.marketplace,
            "includedData": "FULFILLMENT",
            "maxResultsPerPage": 100,
        }
        orders: list[ChannelOrder | RefusedOrder] = []
        newest = cursor
        while True:
            page = self.call("searchOrders", "GET", ORDERS, params=query)
            if page.status_code != 200:
                raise ChannelUnavailable(f"searchOrders: HTTP {page.status_code} {page.text[:200]}")
            body = page.json()
            found, newest = payloads.read_page(
                body, "searchOrders", payloads.AmazonOrder, _amazon_order, "lastUpdatedTime", newest
            )
            orders += found
            token = (body.get("pagination") or {}).get("nextToken")
            if not token:
                return orders, newest
            query = {**query, "paginationToken": token}

    def check(self) -> list[Check]:
        """The token exchange, then the seller's marketplaces (a cheap read every app may call)."""
        answer = self.call("getMarketplaceParticipations", "GET", "/sellers/v1/marketplaceParticipations")
        checks = [_credentials_check(self.auth)]
        if answer.status_code != 200:
            return [*checks, Check("marketplaces", False, f"HTTP {answer.status_code}: {answer.text[:200]}")]
        markets = {
            str((p.get("marketplace") or {}).get("id")): p
            for p in answer.json().get("payload") or []
            if p.get("marketplace")
        }
        checks.append(Check("API access", True, "the Selling Partner API accepts the access token"))
        if self.marketplace in markets:
            name = markets[self.marketplace]["marketplace"].get("name", self.marketplace)
            checks.append(Check("marketplace", True, f"the seller sells on {name} ({self.marketplace})"))
        else:
            known = ", ".join(sorted(markets)) or "none"
            fix = f"set marketplace_id to one of the seller's marketplaces: {known}"
            checks.append(Check("marketplace", False, f"the seller does not sell on {self.marketplace}", fix))
        return checks

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> bool:
        return False  # Amazon orders are polled

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookDelivery:
        raise NotImplementedError("Amazon orders are polled, not pushed by webhook")

    def close(self) -> None:
        self.http.close()


def _amazon_order(order: payloads.AmazonOrder) -> ChannelOrder:
    status = order.fulfillment.fulfillmentStatus if order.fulfillment else None
    event = "cancelled" if status == "CANCELLED" else "created"
    if event == "created":
        payloads.needs_lines(order.orderItems, "orderItems")
    lines = []
    for item in order.orderItems:
        sku = item.product.sellerSku if item.product else None
        lines.append(OrderLine(sku or "", item.quantityOrdered, ref=sku))
    return ChannelOrder(order.orderId, event, f"{order.orderId}:{event}", lines)


def _credentials_check(auth: ChannelAuth) -> Check:
    if isinstance(auth, LwaToken):
        lifetime = auth.granted.get("expires_in")
        return Check("credentials", True, f"Login with Amazon issues access tokens (valid {lifetime} s)")
    return Check(
        "credentials",
        True,
        "a pasted access token is used",
        "it expires within an hour: set refresh_token, lwa_client_id and lwa_client_secret to stay connected",
    )
