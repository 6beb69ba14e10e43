"""eBay Sell APIs: Inventory ``bulk_update_price_quantity`` (≤ 25 SKUs per call, per-SKU answers in a
200/207) and ``inventory_item/{sku}`` read-back; Fulfillment ``getOrders`` filtered by
``lastmodifieddate`` with offset paging.

eBay sends no rate headers (its limits are call quotas per day and per resource), so the bucket
comes from config. Config keys: ``base_url``, ``access_token``, ``rate_per_s`` (5), ``burst`` (10),
``initial_lookback_s``, ``timeout_s``. Listing refs are SKUs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from .base import ChannelOrder, ChannelUnavailable, OrderLine, PushItem, PushResult, WebhookDelivery
from .http import HttpChannel, TokenBucket

PAGE = 50


class EbayConnector:
    kind = "ebay"
    batch_limit = 25

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = config
        headers = {
            "Authorization": f"Bearer {config.get('access_token', 'v^1.1#truecount')}",
            "Content-Language": "en-US",
        }
        self.http = HttpChannel(str(config["base_url"]), timeout_s=float(config.get("timeout_s", 10)), headers=headers)
        self.bucket = TokenBucket(float(config.get("rate_per_s", 5.0)), float(config.get("burst", 10.0)))

    def push(self, items: Sequence[PushItem]) -> list[PushResult]:
        results: list[PushResult] = []
        for start in range(0, len(items), self.batch_limit):
            chunk = items[start : start + self.batch_limit]
            requests = [{"sku": item.ref, "shipToLocationAvailability": {"quantity": item.quantity}} for item in chunk]
            answer = self.http.request(
                self.bucket, "POST", "/sell/inventory/v1/bulk_update_price_quantity", json={"requests": requests}
            )
            if answer.status_code not in (200, 207):
                raise ChannelUnavailable(f"bulk_update_price_quantity: HTTP {answer.status_code} {answer.text[:200]}")
            by_sku = {r.get("sku"): r for r in answer.json().get("responses") or []}
            for item in chunk:
                response = by_sku.get(item.ref) or {
                    "statusCode": 500,
                    "errors": [{"message": "no answer for this SKU"}],
                }
                if response.get("statusCode") == 200:
                    results.append(PushResult(item.ref, True))
                else:
                    message = "; ".join(str(e.get("message")) for e in response.get("errors") or [])
                    results.append(
                        PushResult(item.ref, False, message, retryable=int(response.get("statusCode", 500)) >= 500)
                    )
        return results

    def read_back(self, refs: Sequence[str]) -> dict[str, int | None]:
        found: dict[str, int | None] = {}
        for ref in refs:
            answer = self.http.request(self.bucket, "GET", f"/sell/inventory/v1/inventory_item/{ref}")
            if answer.status_code == 404:
                found[ref] = None
                continue
            availability = (answer.json().get("availability") or {}).get("shipToLocationAvailability") or {}
            found[ref] = int(availability["quantity"]) if "quantity" in availability else None
        return found

    def poll_orders(self, cursor: str | None) -> tuple[list[ChannelOrder], str | None]:
        if cursor is None:
            since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=float(self.config.get("initial_lookback_s", 86_400)))
            cursor = since.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        orders: list[ChannelOrder] = []
        newest = cursor
        offset = 0
        while True:
            params = {"filter": f"lastmodifieddate:[{cursor}..]", "limit": PAGE, "offset": offset}
            page = self.http.request(self.bucket, "GET", "/sell/fulfillment/v1/order", params=params)
            if page.status_code != 200:
                raise ChannelUnavailable(f"getOrders: HTTP {page.status_code} {page.text[:200]}")
            body: dict[str, Any] = page.json()
            for order in body.get("orders") or []:
                oid = str(order["orderId"])
                cancelled = (order.get("cancelStatus") or {}).get("cancelState") == "CANCELED"
                event = "cancelled" if cancelled else "created"
                lines = [
                    OrderLine(str(li.get("sku") or ""), int(li["quantity"]), ref=li.get("sku"))
                    for li in order.get("lineItems") or []
                ]
                orders.append(ChannelOrder(oid, event, f"{oid}:{event}", lines))
                newest = max(newest, str(order["lastModifiedDate"]))
            if not body.get("next"):
                return orders, newest
            offset += PAGE

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> bool:
        return False  # eBay orders are polled

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookDelivery:
        raise NotImplementedError("eBay orders are polled, not pushed by webhook")

    def close(self) -> None:
        self.http.close()
