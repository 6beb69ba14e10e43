"""Shopify Admin GraphQL emulator: ``inventorySetQuantities`` with compare-and-set and idempotency keys,
inventory level read-back, the cost-based leaky bucket, and signed order webhooks.

Listings are keyed ``ITEM@LOCATION`` (the numeric ids of ``gid://shopify/InventoryItem/ITEM`` and
``gid://shopify/Location/LOCATION``). The GraphQL it understands is the subset truecount and the
ShopifyAPI package send: an ``inventorySetQuantities(input: $input)`` mutation (optionally with
``@idempotent(key: …)``) and aliased ``inventoryItem(id: "…") { inventoryLevel(locationId: "…") }``
reads. Anything else gets a GraphQL error, as an unknown field would.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from typing import Any

from fastapi import Body, FastAPI

from .common import Bucket, EmulatorState, Order, build_app, hmac_b64, record_delivery

MUTATION_COST = 10
MAX_QUANTITIES = 250
REASONS = {
    "correction",
    "cycle_count_available",
    "damaged",
    "movement_created",
    "movement_updated",
    "movement_received",
    "movement_canceled",
    "other",
    "promotion",
    "quality_control",
    "received",
    "reservation_created",
    "reservation_deleted",
    "reservation_updated",
    "restock",
    "safety_stock",
    "shrinkage",
}
ITEM_GID = re.compile(r"^gid://shopify/InventoryItem/(\d+)$")
LOCATION_GID = re.compile(r"^gid://shopify/Location/(\d+)$")
IDEMPOTENT = re.compile(r'@idempotent\(\s*key:\s*(?:"([^"]*)"|\$(\w+))\s*\)')
READ = re.compile(
    r'(\w+)\s*:\s*inventoryItem\(\s*id:\s*"([^"]+)"\s*\)\s*\{[^{}]*inventoryLevel\(\s*locationId:\s*"([^"]+)"'
)


class ShopifyEmulator:
    """One shop. ``app`` serves ``POST /admin/api/{version}/graphql.json`` and the admin routes."""

    def __init__(self, *, maximum_available: float = 2000.0, restore_rate: float = 100.0) -> None:
        self.state = EmulatorState("shopify")
        self.bucket = Bucket(restore_rate, maximum_available)
        self.app: FastAPI = build_app("Shopify emulator", self.state, self.deliver)
        self.app.post("/admin/api/{version}/graphql.json")(self.graphql)

    def _cost(self, requested: int, actual: int | None) -> dict[str, Any]:
        return {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": {
                "maximumAvailable": self.bucket.capacity,
                "currentlyAvailable": int(self.bucket.available()),
                "restoreRate": self.bucket.rate,
            },
        }

    def graphql(self, version: str, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
        query = str(body.get("query") or "")
        variables = body.get("variables") or {}
        reads = READ.findall(query)
        if "inventorySetQuantities" in query:
            requested = MUTATION_COST
        elif reads:
            requested = 2 + 3 * len(reads)
        else:
            return {
                "errors": [
                    {"message": "Field is not supported by the emulator", "extensions": {"code": "undefinedField"}}
                ]
            }
        if not self.bucket.take(requested):
            self.state.violation("THROTTLED")
            return {
                "errors": [
                    {
                        "message": "Throttled",
                        "extensions": {
                            "code": "THROTTLED",
                            "documentation": "https://shopify.dev/api/usage/rate-limits",
                        },
                    }
                ],
                "extensions": {"cost": self._cost(requested, None)},
            }
        data = self._mutate(query, variables) if requested == MUTATION_COST else self._read(reads)
        return {"data": data, "extensions": {"cost": self._cost(requested, requested)}}

    def _read(self, reads: list[tuple[str, str, str]]) -> dict[str, Any]:
        data: dict[str, Any] = {}
        with self.state.lock:
            for alias, item_gid, location_gid in reads:
                item, location = ITEM_GID.match(item_gid), LOCATION_GID.match(location_gid)
                ref = f"{item.group(1)}@{location.group(1)}" if item and location else ""
                listing = self.state.listings.get(ref)
                level = None
                if listing is not None:
                    level = {"quantities": [{"name": "available", "quantity": listing.quantity}]}
                data[alias] = {"id": item_gid, "inventoryLevel": level} if item else None
        return data

    def _mutate(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        key_match = IDEMPOTENT.search(query)
        key = None
        if key_match:
            key = key_match.group(1) if key_match.group(1) is not None else variables.get(key_match.group(2))
        payload = variables.get("input") or {}
        fingerprint = json.dumps(payload, sort_keys=True)
        with self.state.lock:
            if key is not None and key in self.state.idempotency:
                seen, answer = self.state.idempotency[key]
                if seen == fingerprint:
                    replayed: dict[str, Any] = answer
                    return replayed
                return _errors(
                    "IDEMPOTENCY_KEY_PARAMETER_MISMATCH",
                    ["input"],
                    "The same idempotency key cannot be used with different operation parameters.",
                )
            answer = self._apply(payload)
            if key is not None:
                self.state.idempotency[key] = (fingerprint, answer)
            return answer

    def _apply(self, payload: dict[str, Any]) -> dict[str, Any]:
        if payload.get("name") not in ("available", "on_hand"):
            return _errors(
                "INVALID_NAME", ["input", "name"], "The quantity name must be either 'available' or 'on_hand'."
            )
        if payload.get("reason") not in REASONS:
            return _errors("INVALID_REASON", ["input", "reason"], "The specified reason is invalid.")
        quantities = payload.get("quantities") or []
        if not 1 <= len(quantities) <= MAX_QUANTITIES:
            return _errors(
                "INVALID_QUANTITY_INPUT",
                ["input", "quantities"],
                f"Between 1 and {MAX_QUANTITIES} quantities are allowed.",
            )
        ignore = bool(payload.get("ignoreCompareQuantity"))
        refs = []
        for i, q in enumerate(quantities):
            where = ["input", "quantities", str(i)]
            item, location = ITEM_GID.match(str(q.get("inventoryItemId"))), LOCATION_GID.match(str(q.get("locationId")))
            if not item:
                return _errors(
                    "INVALID_INVENTORY_ITEM",
                    [*where, "inventoryItemId"],
                    "The specified inventory item could not be found.",
                )
            if not location:
                return _errors("INVALID_LOCATION", [*where, "locationId"], "The specified location could not be found.")
            if not isinstance(q.get("quantity"), int) or not -1_000_000_000 <= q["quantity"] <= 1_000_000_000:
                return _errors("INVALID_QUANTITY_TOO_HIGH", [*where, "quantity"], "The quantity is invalid.")
            if not ignore and "changeFromQuantity" not in q:
                return _errors(
                    "CHANGE_FROM_QUANTITY_REQUIRED",
                    [*where, "changeFromQuantity"],
                    "changeFromQuantity must be given (null to opt out).",
                )
            refs.append(f"{item.group(1)}@{location.group(1)}")
        for i, (q, ref) in enumerate(zip(quantities, refs, strict=True)):
            self.state.maybe_stale(ref)
            expected = q.get("changeFromQuantity")
            if not ignore and expected is not None and self.state.listing(ref).quantity != expected:
                where = ["input", "quantities", str(i), "changeFromQuantity"]
                return _errors(
                    "CHANGE_FROM_QUANTITY_STALE", where, "The changeFromQuantity value does not match persisted value."
                )
        changes = []
        for q, ref in zip(quantities, refs, strict=True):
            listing = self.state.listing(ref)
            changes.append(
                {
                    "name": payload["name"],
                    "delta": q["quantity"] - listing.quantity,
                    "quantityAfterChange": q["quantity"],
                }
            )
            listing.write(q["quantity"])
        group = {
            "id": f"gid://shopify/InventoryAdjustmentGroup/{uuid.uuid4().int % 10**12}",
            "reason": payload["reason"],
            "referenceDocumentUri": payload.get("referenceDocumentUri"),
            "changes": changes,
        }
        return {"inventorySetQuantities": {"inventoryAdjustmentGroup": group, "userErrors": []}}

    def deliver(self, order: Order, event: str) -> dict[str, Any]:
        """Sign and send the webhook for an order event: orders/create, orders/cancelled, refunds/create."""
        now = dt.datetime.now(dt.UTC).isoformat()
        items = [
            {
                "id": int(line["line_id"].replace("-", "")),
                "sku": line["sku"],
                "quantity": line["quantity"],
                "admin_graphql_api_id": f"gid://shopify/LineItem/{line['line_id']}",
            }
            for line in order.lines
        ]
        body: dict[str, Any] = {
            "id": int(order.id),
            "admin_graphql_api_id": f"gid://shopify/Order/{order.id}",
            "name": f"#{order.id}",
            "created_at": now,
            "updated_at": now,
            "cancelled_at": now if event == "cancel" else None,
            "financial_status": "refunded" if event == "refund" else "paid",
            "line_items": items,
        }
        topic = {"created": "orders/create", "cancel": "orders/cancelled", "refund": "refunds/create"}[event]
        if event == "refund":
            body = {
                "id": order.seq,
                "order_id": int(order.id),
                "created_at": now,
                "restock": True,
                "refund_line_items": [
                    {
                        "id": i + 1,
                        "line_item_id": item["id"],
                        "quantity": item["quantity"],
                        "restock_type": "return",
                        "line_item": item,
                    }
                    for i, item in enumerate(items)
                ],
            }
        raw = json.dumps(body).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Shopify-Topic": topic,
            "X-Shopify-Hmac-Sha256": hmac_b64(self.state.webhook_secret, raw),
            "X-Shopify-Shop-Domain": "emulator.myshopify.com",
            "X-Shopify-API-Version": "2026-04",
            "X-Shopify-Webhook-Id": str(uuid.uuid4()),
            "X-Shopify-Event-Id": str(uuid.uuid4()),
            "X-Shopify-Triggered-At": now,
        }
        return record_delivery(self.state, headers, raw)


def _errors(code: str, field: list[str], message: str) -> dict[str, Any]:
    return {
        "inventorySetQuantities": {
            "inventoryAdjustmentGroup": None,
            "userErrors": [{"code": code, "field": field, "message": message}],
        }
    }
