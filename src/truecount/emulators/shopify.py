"""Shopify Admin GraphQL emulator: ``inventorySetQuantities`` with compare-and-set and idempotency keys,
inventory level read-back, the cost-based leaky bucket, and signed order webhooks.

Listings are keyed ``ITEM@LOCATION`` (the numeric ids of ``gid://shopify/InventoryItem/ITEM`` and
``gid://shopify/Location/LOCATION``). The GraphQL it understands is the subset truecount and the
ShopifyAPI package send: an ``inventorySetQuantities(input: $input)`` mutation (optionally with
``@idempotent(key: …)``) and aliased ``inventoryItem(id: "…") { inventoryLevel(locationId: "…") }``
reads, the ``shop``/``currentAppInstallation``/``location`` fields a connection check asks for, and product
variants (prices set, found by SKU: :mod:`.shopify_variants`). Anything else gets a GraphQL error.

Credentials: a permanent Admin API token, or a token from the client credentials grant
(``POST /admin/oauth/access_token``, about 24 hours by default); anything else is answered 401 with a
string ``errors``, as Shopify does. Each answer names the API version served (``X-Shopify-API-Version``):
the one asked for when supported, else the oldest supported. User errors use only the codes of
``InventorySetQuantitiesUserErrorCode``; a mutation that arrives while another with the same idempotency
key is still running gets ``IDEMPOTENCY_CONCURRENT_REQUEST``. Fulfilments: ``shopify_fulfilment``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
import uuid
from typing import Any

from fastapi import Body, FastAPI, Request, Response
from fastapi.responses import JSONResponse

from . import shopify_fulfilment, shopify_variants
from .auth import Gate, header
from .common import Bucket, EmulatorState, Order, build_app, hmac_b64, record_delivery
from .fulfilment_book import FulfilmentBook

MUTATION_COST = 10
CHECK_COST = 3
ORDER_READ_COST = 12
MAX_QUANTITIES = 250
SUPPORTED_VERSIONS = ("2025-07", "2025-10", "2026-01", "2026-04")
SCOPES = ["read_inventory", "write_inventory", "read_locations"]
# InventorySetQuantitiesUserErrorCode, as published: the emulator answers no other user error code.
USER_ERROR_CODES = frozenset(
    {
        "CHANGE_FROM_QUANTITY_STALE",
        "COMPARE_QUANTITY_REQUIRED",
        "COMPARE_QUANTITY_STALE",
        "IDEMPOTENCY_CONCURRENT_REQUEST",
        "IDEMPOTENCY_KEY_PARAMETER_MISMATCH",
        "INVALID_INVENTORY_ITEM",
        "INVALID_LOCATION",
        "INVALID_NAME",
        "INVALID_QUANTITY_NEGATIVE",
        "INVALID_QUANTITY_TOO_HIGH",
        "INVALID_QUANTITY_TOO_LOW",
        "INVALID_REASON",
        "INVALID_REFERENCE_DOCUMENT",
        "ITEM_NOT_STOCKED_AT_LOCATION",
        "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR",
        "NON_MUTABLE_INVENTORY_ITEM",
    }
)
UNAUTHORIZED = "[API] Invalid API key or access token (unrecognized login or wrong password)"
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
LOCATION = re.compile(r'location\(\s*id:\s*"gid://shopify/Location/(\d+)"\s*\)')
READ = re.compile(
    r'(\w+)\s*:\s*inventoryItem\(\s*id:\s*"([^"]+)"\s*\)\s*\{[^{}]*inventoryLevel\(\s*locationId:\s*"([^"]+)"'
)


class ShopifyEmulator:
    """One shop. ``app`` serves ``POST /admin/api/{version}/graphql.json`` and the admin routes."""

    def __init__(
        self, *, maximum_available: float = 2000.0, restore_rate: float = 100.0, token_lifetime_s: float = 86_399.0
    ) -> None:
        self.state = EmulatorState("shopify", Gate("shpat_", token_lifetime_s, SCOPES))
        self.bucket = Bucket(restore_rate, maximum_available)
        self.in_flight: set[str] = set()  # idempotency keys of mutations still running
        self.app: FastAPI = build_app("Shopify emulator", self.state, self.deliver, guard=self.guard)
        self.app.post("/admin/oauth/access_token")(self.token)
        self.app.post("/admin/api/{version}/graphql.json")(self.graphql)
        self.variants: dict[str, dict[str, Any]] = {}  # product variants (SKUs, prices): shopify_variants
        shopify_variants.mount(self.app, self.variants, self.state.on_reset)
        self.fulfilments = FulfilmentBook(self.state, self.app)  # shopify_fulfilment

    def guard(self, scope: dict[str, Any]) -> tuple[int, Any, dict[str, str]] | None:
        if scope["path"] == "/admin/oauth/access_token":
            return None
        reason, _ = self.state.gate.verify(header(scope["headers"], "X-Shopify-Access-Token"))
        return None if reason == "ok" else (401, {"errors": UNAUTHORIZED}, {})

    async def token(self, request: Request) -> Any:
        """The client credentials grant of a Dev Dashboard app (JSON or form fields)."""
        if request.headers.get("content-type", "").startswith("application/json"):
            fields = dict(await request.json())
        else:
            fields = dict((await request.form()).items())
        gate = self.state.gate
        if fields.get("grant_type") != "client_credentials" or not gate.client_ok(
            str(fields.get("client_id")), str(fields.get("client_secret"))
        ):
            gate.refuse("client")
            body = {"error": "invalid_client", "error_description": "Client authentication failed."}
            return JSONResponse(body, status_code=400)
        token, lifetime, scopes = gate.issue()
        return {"access_token": token, "scope": ",".join(scopes), "expires_in": lifetime}

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

    def graphql(self, version: str, request: Request, response: Response, body: dict[str, Any] = Body(...)) -> Any:
        response.headers["X-Shopify-API-Version"] = version if version in SUPPORTED_VERSIONS else SUPPORTED_VERSIONS[0]
        query = str(body.get("query") or "")
        variables = body.get("variables") or {}
        reads = READ.findall(query)
        checking = "currentAppInstallation" in query or "shop {" in query or LOCATION.search(query)
        if any(m in query for m in ("inventorySetQuantities", "productVariantsBulkUpdate", "fulfillmentCreate")):
            requested = MUTATION_COST
        elif "fulfillmentOrders" in query:
            requested = ORDER_READ_COST
        elif shopify_variants.LOOKUP.search(query):
            requested = 2 + int(variables.get("first") or 1) if isinstance(variables.get("first"), int) else 2
        elif reads:
            requested = 2 + 3 * len(reads)
        elif checking:
            requested = CHECK_COST
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
        if "productVariantsBulkUpdate" in query:
            with self.state.lock:
                data = shopify_variants.bulk_update(self.variants, variables)
        elif "fulfillmentCreate" in query:
            with self.state.lock:
                data = shopify_fulfilment.create(self.fulfilments, variables)
        elif shopify_variants.LOOKUP.search(query):
            with self.state.lock:
                data = shopify_variants.lookup(self.variants, variables)
        elif requested == ORDER_READ_COST:
            with self.state.lock:
                data = shopify_fulfilment.read_order(self.fulfilments, query, variables)
        elif requested == MUTATION_COST:
            data = self._mutate(query, variables)
        elif reads:
            data = self._read(reads)
        else:
            data = self._check(query, request)
        if "errors" in data:  # a top-level GraphQL error (a malformed input), not a user error
            return {**data, "extensions": {"cost": self._cost(requested, requested)}}
        return {"data": data, "extensions": {"cost": self._cost(requested, requested)}}

    def _check(self, query: str, request: Request) -> dict[str, Any]:
        """The shop, the app's granted scopes and a location: what a connection check asks."""
        _, scopes = self.state.gate.verify(request.headers.get("X-Shopify-Access-Token"))
        data: dict[str, Any] = {}
        if "shop {" in query:
            data["shop"] = {"name": "Emulator shop", "myshopifyDomain": "emulator.myshopify.com"}
        if "currentAppInstallation" in query:
            granted = scopes or self.state.gate.settings.scopes
            data["currentAppInstallation"] = {"accessScopes": [{"handle": h} for h in granted]}
        found = LOCATION.search(query)
        if found:
            number = found.group(1)  # every location id above 0 exists in the emulator
            data["location"] = (
                {"id": f"gid://shopify/Location/{number}", "name": f"Location {number}", "isActive": True}
                if int(number) > 0
                else None
            )
        return data

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
            if key is not None and key in self.in_flight:
                return _errors(
                    "IDEMPOTENCY_CONCURRENT_REQUEST",
                    ["input"],
                    "This request is currently in progress, please try again.",
                )
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
            if key is not None:
                self.in_flight.add(key)
            processing_s = self.state.faults.processing_s
        try:
            if processing_s > 0:
                time.sleep(processing_s)  # a slow mutation: its key stays in progress meanwhile
            with self.state.lock:
                answer = self._apply(payload)
                if key is not None:
                    self.state.idempotency[key] = (fingerprint, answer)
                return answer
        finally:
            if key is not None:
                with self.state.lock:
                    self.in_flight.discard(key)

    def _apply(self, payload: dict[str, Any]) -> dict[str, Any]:
        if payload.get("name") not in ("available", "on_hand"):
            return _errors(
                "INVALID_NAME", ["input", "name"], "The quantity name must be either 'available' or 'on_hand'."
            )
        if payload.get("reason") not in REASONS:
            return _errors("INVALID_REASON", ["input", "reason"], "The specified reason is invalid.")
        quantities = payload.get("quantities") or []
        if len(quantities) > MAX_QUANTITIES:
            message = (
                f"The input array size of {len(quantities)} is greater than the maximum allowed of {MAX_QUANTITIES}."
            )
            return {"errors": [{"message": message, "extensions": {"code": "MAX_INPUT_SIZE_EXCEEDED"}}]}
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
            if not isinstance(q.get("quantity"), int):
                return {"errors": [{"message": f"Variable $input: quantities.{i}.quantity must be an Int"}]}
            if q["quantity"] > 1_000_000_000:
                message = "The total quantity can't be higher than 1,000,000,000."
                return _errors("INVALID_QUANTITY_TOO_HIGH", [*where, "quantity"], message)
            if q["quantity"] < -1_000_000_000:
                message = "The total quantity can't be lower than -1,000,000,000."
                return _errors("INVALID_QUANTITY_TOO_LOW", [*where, "quantity"], message)
            if not ignore and "changeFromQuantity" not in q:  # since 2026-04: null opts out, omitting is an error
                message = f"Variable $input: quantities.{i}.changeFromQuantity must be given (null to opt out)"
                return {"errors": [{"message": message}]}
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
            "X-Shopify-API-Version": SUPPORTED_VERSIONS[-1],
            "X-Shopify-Webhook-Id": str(uuid.uuid4()),
            "X-Shopify-Event-Id": str(uuid.uuid4()),
            "X-Shopify-Triggered-At": now,
        }
        return record_delivery(self.state, headers, raw)


def _errors(code: str, field: list[str], message: str) -> dict[str, Any]:
    assert code in USER_ERROR_CODES, code  # the emulator invents no code
    return {
        "inventorySetQuantities": {
            "inventoryAdjustmentGroup": None,
            "userErrors": [{"code": code, "field": field, "message": message}],
        }
    }
