"""WooCommerce REST v3 emulator: ``products/batch`` and ``products/{id}/variations/batch`` (≤ 100 items,
per-item errors inside a 200), product and variation read-back, and signed order webhooks.

Listings are keyed ``PRODUCT`` or ``PRODUCT/VARIATION``; an id ≤ 0 answers
``woocommerce_rest_product_invalid_id`` inside the 200. The shop has no rate limit by default (a WordPress host
has none); ``rate_per_s`` adds one for tests.

Credentials as WooCommerce checks them: the consumer key and secret as HTTP Basic credentials over HTTPS
only; over plain HTTP a one-legged OAuth 1.0a signature (HMAC-SHA1 or -SHA256) in the query, with a fresh
timestamp and nonce. Anything else is answered 401 with WooCommerce's own error codes.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hmac
import json
import uuid
from typing import Any

from fastapi import Body, FastAPI, Request
from fastapi.responses import JSONResponse

from .auth import Gate, header
from .common import Bucket, EmulatorState, Order, build_app, hmac_b64, record_delivery
from .woocommerce_fulfilment import add_order_routes

MAX_ITEMS = 100
REFUSALS = {
    "wrong": ("woocommerce_rest_authentication_error", "Consumer key is invalid."),
    "signature": ("woocommerce_rest_authentication_error", "Invalid signature - provided signature does not match."),
    "timestamp": ("woocommerce_rest_authentication_error", "Invalid timestamp."),
    "nonce": ("woocommerce_rest_authentication_error", "Invalid nonce - nonce has already been used."),
}


def _price_text(value: Any) -> bool:
    """A price as WooCommerce's REST schema has it: a string holding a decimal number (``"19.99"``)."""
    if not isinstance(value, str):
        return False
    whole, _, cents = value.partition(".")
    return whole.isdigit() and (cents == "" or cents.isdigit())


class WooEmulator:
    def __init__(self, *, rate_per_s: float = 50.0, burst: float = 100.0) -> None:
        self.state = EmulatorState("woocommerce", Gate("", 0.0))
        self.bucket = Bucket(rate_per_s, burst)
        self.app: FastAPI = build_app("WooCommerce emulator", self.state, self.deliver, guard=self.guard)
        base = "/wp-json/wc/v3/products"
        self.app.post(base + "/batch")(self.batch_products)
        self.app.post(base + "/{product_id}/variations/batch")(self.batch_variations)
        self.app.get(base)(self.list_products)
        self.app.get(base + "/{product_id}")(self.get_product)
        self.app.get(base + "/{product_id}/variations/{variation_id}")(self.get_variation)
        self.fulfilments = add_order_routes(self)  # orders, their notes and status (woocommerce_fulfilment)

    def guard(self, scope: dict[str, Any]) -> tuple[int, Any, dict[str, str]] | None:
        gate = self.state.gate
        if not gate.settings.enforce:
            return None
        given = header(scope["headers"], "Authorization") or ""
        if scope["scheme"] == "https" and given.startswith("Basic "):
            try:
                key, _, secret = base64.b64decode(given.removeprefix("Basic ")).decode().partition(":")
            except (ValueError, binascii.Error):
                key, secret = "", ""
            wanted = f"{gate.settings.consumer_key}:{gate.settings.consumer_secret}"
            reason = "ok" if hmac.compare_digest(f"{key}:{secret}", wanted) else "wrong"
        elif scope["scheme"] == "https":
            reason = "missing"
        else:  # plain HTTP: Basic credentials are ignored, a signature is required
            url = f"http://{header(scope['headers'], 'host')}{scope['path']}"
            reason = gate.check_oauth1(str(scope["method"]), url, scope["query_string"].decode())
        if reason == "ok":
            return None
        gate.refuse(reason)
        if reason == "missing":
            code, message = (
                ("woocommerce_rest_cannot_view", "Sorry, you cannot list resources.")
                if scope["method"] == "GET"
                else ("woocommerce_rest_cannot_batch", "Sorry, you are not allowed to batch manipulate this resource.")
            )
        else:
            code, message = REFUSALS[reason]
        return 401, {"code": code, "message": message, "data": {"status": 401}}, {}

    def limit(self) -> JSONResponse | None:
        if self.bucket.take():
            return None
        self.state.violation("rest")
        return JSONResponse(
            {"code": "too_many_requests", "message": "Too many requests.", "data": {"status": 429}},
            status_code=429,
            headers={"Retry-After": "1"},
        )

    def _item(self, ref: str) -> dict[str, Any]:
        listing = self.state.listing(ref)
        ids = ref.split("/")
        return {
            "id": int(ids[-1]),
            "sku": listing.sku,
            "manage_stock": True,
            "stock_quantity": listing.quantity,
            "stock_status": "instock" if listing.quantity > 0 else "outofstock",
            "regular_price": listing.price or "",
            **({"parent_id": int(ids[0])} if len(ids) == 2 else {}),
        }

    def _batch(self, body: dict[str, Any], prefix: str) -> Any:
        refused = self.limit()
        if refused:
            return refused
        updates = body.get("update") or []
        total = len(updates) + len(body.get("create") or []) + len(body.get("delete") or [])
        if total > MAX_ITEMS:
            body_ = {
                "code": "woocommerce_rest_request_entity_too_large",
                "message": f"Unable to accept more than {MAX_ITEMS} items for this request.",
                "data": {"status": 413},
            }
            return JSONResponse(body_, status_code=413)
        answers = []
        for item in updates:
            item_id = item.get("id")
            if not isinstance(item_id, int) or item_id <= 0:
                answers.append(
                    {
                        "id": item_id or 0,
                        "error": {
                            "code": "woocommerce_rest_product_invalid_id",
                            "message": "Invalid ID.",
                            "data": {"status": 400},
                        },
                    }
                )
                continue
            quantity = item.get("stock_quantity")
            if quantity is not None and not isinstance(quantity, int):
                answers.append(
                    {
                        "id": item_id,
                        "error": {
                            "code": "rest_invalid_param",
                            "message": "Invalid parameter(s): stock_quantity",
                            "data": {"status": 400},
                        },
                    }
                )
                continue
            price = item.get("regular_price")
            if price is not None and not _price_text(price):  # WooCommerce takes prices as decimal strings
                answers.append(
                    {
                        "id": item_id,
                        "error": {
                            "code": "rest_invalid_param",
                            "message": "Invalid parameter(s): regular_price",
                            "data": {"status": 400},
                        },
                    }
                )
                continue
            ref = f"{prefix}{item_id}"
            with self.state.lock:
                self.state.maybe_stale(ref)
                listing = self.state.listing(ref)
                if quantity is not None:
                    listing.write(quantity)
                if price is not None:
                    listing.price = price
                answers.append(self._item(ref))
        return {"update": answers}

    def batch_products(self, body: dict[str, Any] = Body(...)) -> Any:
        return self._batch(body, "")

    def batch_variations(self, product_id: int, body: dict[str, Any] = Body(...)) -> Any:
        return self._batch(body, f"{product_id}/")

    def list_products(self, request: Request) -> Any:
        refused = self.limit()
        if refused:
            return refused
        include = [i for i in request.query_params.get("include", "").split(",") if i.strip()]
        with self.state.lock:
            refs = include or [ref for ref in self.state.listings if "/" not in ref]
            return [self._item(ref) for ref in refs if ref in self.state.listings]

    def _get(self, ref: str) -> Any:
        refused = self.limit()
        if refused:
            return refused
        with self.state.lock:
            if ref not in self.state.listings:
                return JSONResponse(
                    {"code": "woocommerce_rest_product_invalid_id", "message": "Invalid ID.", "data": {"status": 404}},
                    status_code=404,
                )
            return self._item(ref)

    def get_product(self, product_id: int) -> Any:
        return self._get(str(product_id))

    def get_variation(self, product_id: int, variation_id: int) -> Any:
        return self._get(f"{product_id}/{variation_id}")

    def deliver(self, order: Order, event: str) -> dict[str, Any]:
        """Sign and send ``order.created`` or ``order.updated`` (cancelled / refunded)."""
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
        status = {"created": "processing", "cancel": "cancelled", "refund": "refunded"}[event]
        lines = []
        for line in order.lines:
            ids = [int(i) for i in line["ref"].split("/")] if all(p.isdigit() for p in line["ref"].split("/")) else [0]
            lines.append(
                {
                    "id": int(line["line_id"].replace("-", "")),
                    "product_id": ids[0],
                    "variation_id": ids[1] if len(ids) == 2 else 0,
                    "quantity": line["quantity"],
                    "sku": line["sku"],
                }
            )
        body = {
            "id": int(order.id),
            "status": status,
            "date_created_gmt": now,
            "date_modified_gmt": now,
            "line_items": lines,
        }
        raw = json.dumps(body).encode()
        topic = "order.created" if event == "created" else "order.updated"
        headers = {
            "Content-Type": "application/json",
            "X-WC-Webhook-Source": "http://emulator.local/",
            "X-WC-Webhook-Topic": topic,
            "X-WC-Webhook-Resource": "order",
            "X-WC-Webhook-Event": topic.split(".")[1],
            "X-WC-Webhook-Signature": hmac_b64(self.state.webhook_secret, raw),
            "X-WC-Webhook-ID": "1",
            "X-WC-Webhook-Delivery-ID": uuid.uuid4().hex,
        }
        return record_delivery(self.state, headers, raw)
