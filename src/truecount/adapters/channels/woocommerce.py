"""WooCommerce REST v3: ``products/batch`` and ``products/{id}/variations/batch`` (≤ 100 items per call,
per-item errors inside a 200) setting ``stock_quantity``; order webhooks signed with
``X-WC-Webhook-Signature``.

Credentials: a REST API key (``consumer_key``, ``consumer_secret``, Read/Write), sent as HTTP Basic
credentials when ``base_url`` is HTTPS and as OAuth 1.0a signatures when it is plain HTTP (WooCommerce
ignores Basic credentials sent in the clear). A 401 pauses the channel until the key is fixed.
Config keys: ``base_url`` (the shop), ``webhook_secret``, ``rate_per_s`` (10), ``burst`` (20), ``timeout_s``.
Listing refs: ``PRODUCT`` or ``PRODUCT/VARIATION``.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

from . import payloads
from .auth import ChannelAuth, WooBasic, WooOAuth1
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
from .signing import header, valid_hmac_b64
from .woocommerce_fulfilment import push_fulfilments

API = "/wp-json/wc/v3/products"
OPEN_STATUSES = ("processing", "on-hold", "pending")  # an order.updated in one of these: still to be booked


class WooConnector:
    kind = "woocommerce"
    batch_limit = 100

    def __init__(
        self,
        config: Mapping[str, Any],
        *,
        buckets: BucketFactory | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.config = config
        self.auth = woo_auth(config)
        self.http = HttpChannel(
            str(config["base_url"]),
            timeout_s=float(config.get("timeout_s", 10)),
            auth=self.auth,
            stop=stop,
            verify=config.get("ca_file") or True,
        )
        self.bucket = (buckets or memory_buckets())(
            "rest", float(config.get("rate_per_s", 10.0)), float(config.get("burst", 20.0))
        )

    def push(self, items: Sequence[PushItem]) -> list[PushResult]:
        groups: dict[str, list[tuple[int, PushItem]]] = {}
        results: dict[int, PushResult] = {}
        for n, item in enumerate(items):
            parts = item.ref.split("/")
            if not all(p.isdigit() for p in parts) or len(parts) > 2:
                results[n] = PushResult(
                    item.ref, False, "a WooCommerce ref is PRODUCT or PRODUCT/VARIATION ids", retryable=False
                )
                continue
            groups.setdefault(parts[0] if len(parts) == 2 else "", []).append((n, item))
        for parent, members in groups.items():
            url = f"{API}/{parent}/variations/batch" if parent else f"{API}/batch"
            for start in range(0, len(members), self.batch_limit):
                chunk = members[start : start + self.batch_limit]
                update = [
                    {
                        "id": int(item.ref.split("/")[-1]),
                        "stock_quantity": item.quantity,
                        "manage_stock": True,
                        **({"regular_price": item.price} if item.price is not None else {}),
                    }
                    for _, item in chunk
                ]
                answer = self.http.request(self.bucket, "POST", url, json={"update": update})
                if answer.status_code != 200:
                    raise ChannelUnavailable(f"{url}: HTTP {answer.status_code} {answer.text[:200]}")
                for (n, item), got in zip(chunk, answer.json().get("update") or [], strict=False):
                    error = got.get("error")
                    if error:
                        results[n] = PushResult(
                            item.ref, False, f"{error.get('code')}: {error.get('message')}", retryable=False
                        )
                    else:
                        results[n] = PushResult(item.ref, True)
                for n, item in chunk:
                    results.setdefault(n, PushResult(item.ref, False, "no answer for this item"))
        return [results[n] for n in range(len(items))]

    def push_fulfilment(self, items: Sequence[FulfilmentItem]) -> list[FulfilmentResult]:
        """Tracking as a customer note, and ``completed`` when nothing is left to ship (``woocommerce_fulfilment``)."""
        return push_fulfilments(self, items)

    def read_back(self, refs: Sequence[str]) -> dict[str, int | None]:
        found: dict[str, int | None] = dict.fromkeys(refs)
        products = [r for r in refs if r.isdigit()]
        for start in range(0, len(products), 100):
            chunk = products[start : start + 100]
            answer = self.http.request(self.bucket, "GET", API, params={"include": ",".join(chunk), "per_page": 100})
            for product in answer.json() if answer.status_code == 200 else []:
                found[str(product["id"])] = _stock(product)
        for ref in refs:
            if "/" in ref:
                parent, _, variation = ref.partition("/")
                answer = self.http.request(self.bucket, "GET", f"{API}/{parent}/variations/{variation}")
                found[ref] = _stock(answer.json()) if answer.status_code == 200 else None
        return found

    def poll_orders(self, cursor: str | None) -> tuple[list[ChannelOrder | RefusedOrder], str | None]:
        return [], cursor  # WooCommerce orders arrive by webhook

    def check(self) -> list[Check]:
        """One product read with the key: it proves the key and how it is sent."""
        answer = self.http.request(self.bucket, "GET", API, params={"per_page": 1})
        how = "HTTP Basic over HTTPS" if isinstance(self.auth, WooBasic) else "OAuth 1.0a signatures over plain HTTP"
        checks = [
            Check(
                "credentials",
                True,
                f"the shop accepts the REST API key ({how})",
                "" if isinstance(self.auth, WooBasic) else "serve the shop over HTTPS in production",
            )
        ]
        if answer.status_code == 200:
            checks.append(Check("products", True, "products can be read; make sure the key is Read/Write"))
        else:
            checks.append(Check("products", False, f"HTTP {answer.status_code}: {answer.text[:200]}"))
        return checks

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> bool:
        return valid_hmac_b64(
            str(self.config.get("webhook_secret", "")), body, header(headers, "X-WC-Webhook-Signature")
        )

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookDelivery:
        topic = header(headers, "X-WC-Webhook-Topic")
        delivery = header(headers, "X-WC-Webhook-Delivery-ID")
        if not topic.startswith("order."):
            return WebhookDelivery(delivery, topic, [])
        order = payloads.read(payloads.WooOrder, payloads.parse_json(body))
        if topic == "order.created" or (topic == "order.updated" and order.status in OPEN_STATUSES):
            event = "created"
            payloads.needs_lines(order.line_items, "line_items")
        elif order.status == "cancelled":
            event = "cancelled"
        elif order.status == "refunded":
            event = "refunded"
        else:
            return WebhookDelivery(delivery, topic, [])
        lines = []
        for li in order.line_items:
            ref = f"{li.product_id}/{li.variation_id}" if li.variation_id else str(li.product_id)
            lines.append(OrderLine(li.sku or "", li.quantity, ref=ref))
        return WebhookDelivery(delivery, topic, [ChannelOrder(str(order.id), event, f"{order.id}:{event}", lines)])

    def close(self) -> None:
        self.http.close()


def woo_auth(config: Mapping[str, Any]) -> ChannelAuth:
    """Basic credentials over HTTPS, OAuth 1.0a signatures over plain HTTP (as WooCommerce requires)."""
    key, secret = str(config.get("consumer_key", "")), str(config.get("consumer_secret", ""))
    return WooBasic(key, secret) if str(config["base_url"]).startswith("https://") else WooOAuth1(key, secret)


def _stock(item: dict[str, Any]) -> int | None:
    quantity = item.get("stock_quantity")
    return int(quantity) if quantity is not None else None
