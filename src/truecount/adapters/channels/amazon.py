"""Amazon Selling Partner API: Listings Items ``patchListingsItem`` on ``fulfillment_availability`` for
single pushes, ``JSON_LISTINGS_FEED`` for batches, Orders polling with a persisted cursor.

Each operation has its own token bucket (documented rate and burst, lowered by 10 % for safety,
and re-read from every ``x-amzn-RateLimit-Limit`` header). Every answer's ``status``/``issues``
are checked. Config keys: ``base_url``, ``seller_id``, ``marketplace_id``, ``product_type``
(``PRODUCT``), ``access_token``, ``use_feeds`` (batch pushes as feeds), ``feed_poll_s``,
``feed_timeout_s``, ``rate_limits`` ({operation: [rate, burst]}), ``initial_lookback_s``, ``timeout_s``.
Listing refs are seller SKUs.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from .base import ChannelOrder, ChannelUnavailable, OrderLine, PushItem, PushResult, WebhookDelivery
from .http import HttpChannel, TokenBucket

RATES: dict[str, tuple[float, float]] = {
    "patchListingsItem": (5.0, 10.0),
    "getListingsItem": (5.0, 10.0),
    "createFeedDocument": (0.5, 15.0),
    "createFeed": (0.0083, 15.0),
    "getFeed": (2.0, 15.0),
    "getFeedDocument": (0.0222, 10.0),
    "getOrders": (0.0167, 20.0),
    "getOrderItems": (0.5, 30.0),
}
FEEDS = "/feeds/2021-06-30"
SAFETY = 0.9


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class AmazonConnector:
    kind = "amazon"

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = config
        headers = {"x-amz-access-token": str(config.get("access_token", "Atza|truecount"))}
        self.http = HttpChannel(str(config["base_url"]), timeout_s=float(config.get("timeout_s", 10)), headers=headers)
        rates = {**RATES, **{k: tuple(v) for k, v in (config.get("rate_limits") or {}).items()}}
        self.buckets = {op: TokenBucket(rate * SAFETY, max(1.0, burst - 1)) for op, (rate, burst) in rates.items()}
        self.unlimited = TokenBucket(1e9, 1e9)  # document storage (S3 on Amazon) has no SP-API quota
        self.seller = str(config.get("seller_id", "SELLER"))
        self.marketplace = str(config.get("marketplace_id", "ATVPDKIKX0DER"))
        self.use_feeds = bool(config.get("use_feeds", False))
        self.batch_limit = 10_000 if self.use_feeds else 50

    def _call(self, op: str, method: str, url: str, **kwargs: Any) -> httpx.Response:
        def learn(answer: httpx.Response) -> None:
            limit = answer.headers.get("x-amzn-RateLimit-Limit")
            if limit:
                self.buckets[op].update(rate=float(limit) * SAFETY)

        return self.http.request(self.buckets[op], method, url, on_answer=learn, **kwargs)

    def _patch_body(self, quantity: int) -> dict[str, Any]:
        value = [{"fulfillment_channel_code": "DEFAULT", "quantity": quantity}]
        patch = {"op": "replace", "path": "/attributes/fulfillment_availability", "value": value}
        return {"productType": self.config.get("product_type", "PRODUCT"), "patches": [patch]}

    def push(self, items: Sequence[PushItem]) -> list[PushResult]:
        if self.use_feeds and len(items) > 1:
            return self._push_feed(items)
        results = []
        for item in items:
            url = f"/listings/2021-08-01/items/{self.seller}/{item.ref}"
            answer = self._call(
                "patchListingsItem",
                "PATCH",
                url,
                params={"marketplaceIds": self.marketplace},
                json=self._patch_body(item.quantity),
            )
            body = answer.json() if answer.content else {}
            if answer.status_code == 200 and body.get("status") == "ACCEPTED":
                results.append(PushResult(item.ref, True))
            else:
                issues = body.get("issues") or body.get("errors") or [{"message": f"HTTP {answer.status_code}"}]
                results.append(
                    PushResult(item.ref, False, "; ".join(str(i.get("message")) for i in issues), retryable=False)
                )
        return results

    def _push_feed(self, items: Sequence[PushItem]) -> list[PushResult]:
        messages = [
            {"messageId": n + 1, "sku": item.ref, "operationType": "PATCH", **self._patch_body(item.quantity)}
            for n, item in enumerate(items)
        ]
        content = json.dumps(
            {"header": {"sellerId": self.seller, "version": "2.0", "issueLocale": "en_US"}, "messages": messages}
        )
        document = self._call(
            "createFeedDocument", "POST", FEEDS + "/documents", json={"contentType": "application/json; charset=UTF-8"}
        ).json()
        upload = self.http.request(
            self.unlimited,
            "PUT",
            document["url"],
            content=content.encode(),
            headers={"Content-Type": "application/json; charset=UTF-8"},
        )
        if upload.status_code >= 300:
            raise ChannelUnavailable(f"feed upload failed: HTTP {upload.status_code}")
        spec = {"feedType": "JSON_LISTINGS_FEED", "marketplaceIds": [self.marketplace]}
        created = self._call(
            "createFeed", "POST", FEEDS + "/feeds", json={**spec, "inputFeedDocumentId": document["feedDocumentId"]}
        )
        if created.status_code != 202:
            raise ChannelUnavailable(f"createFeed: HTTP {created.status_code} {created.text[:200]}")
        feed = self._await_feed(created.json()["feedId"])
        if feed["processingStatus"] != "DONE":
            raise ChannelUnavailable(f"feed {feed['feedId']} ended {feed['processingStatus']}")
        where = self._call("getFeedDocument", "GET", f"{FEEDS}/documents/{feed['resultFeedDocumentId']}").json()
        report = self.http.request(self.unlimited, "GET", where["url"]).json()
        issues: dict[int, list[str]] = {}
        for issue in report.get("issues") or []:
            if issue.get("severity") == "ERROR":
                issues.setdefault(int(issue["messageId"]), []).append(str(issue.get("message")))
        return [
            PushResult(item.ref, False, "; ".join(issues[n + 1]), retryable=False)
            if n + 1 in issues
            else PushResult(item.ref, True)
            for n, item in enumerate(items)
        ]

    def _await_feed(self, feed_id: str) -> dict[str, Any]:
        deadline = time.monotonic() + float(self.config.get("feed_timeout_s", 900))
        while True:
            feed: dict[str, Any] = self._call("getFeed", "GET", f"{FEEDS}/feeds/{feed_id}").json()
            if feed.get("processingStatus") in ("DONE", "FATAL", "CANCELLED") or time.monotonic() > deadline:
                return feed
            time.sleep(float(self.config.get("feed_poll_s", 5.0)))  # a feed takes minutes on Amazon

    def read_back(self, refs: Sequence[str]) -> dict[str, int | None]:
        found: dict[str, int | None] = {}
        for ref in refs:
            answer = self._call(
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

    def poll_orders(self, cursor: str | None) -> tuple[list[ChannelOrder], str | None]:
        if cursor is None:
            since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=float(self.config.get("initial_lookback_s", 86_400)))
            cursor = _iso(since)
        params: dict[str, Any] = {
            "MarketplaceIds": self.marketplace,
            "LastUpdatedAfter": cursor,
            "MaxResultsPerPage": 100,
        }
        orders: list[ChannelOrder] = []
        newest = cursor
        while True:
            page = self._call("getOrders", "GET", "/orders/v0/orders", params=params)
            if page.status_code != 200:
                raise ChannelUnavailable(f"getOrders: HTTP {page.status_code} {page.text[:200]}")
            payload = page.json()["payload"]
            for order in payload.get("Orders") or []:
                orders.append(self._order(order))
                newest = max(newest, str(order["LastUpdateDate"]))
            token = payload.get("NextToken")
            if not token:
                return orders, newest
            params = {"MarketplaceIds": self.marketplace, "NextToken": token}

    def _order(self, order: dict[str, Any]) -> ChannelOrder:
        oid = str(order["AmazonOrderId"])
        items = self._call("getOrderItems", "GET", f"/orders/v0/orders/{oid}/orderItems").json()["payload"][
            "OrderItems"
        ]
        lines = [OrderLine(str(i["SellerSKU"]), int(i["QuantityOrdered"]), ref=str(i["SellerSKU"])) for i in items]
        event = "cancelled" if order.get("OrderStatus") == "Canceled" else "created"
        return ChannelOrder(oid, event, f"{oid}:{event}", lines)

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> bool:
        return False  # Amazon orders are polled

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookDelivery:
        raise NotImplementedError("Amazon orders are polled, not pushed by webhook")

    def close(self) -> None:
        self.http.close()
