"""Shopify Admin GraphQL: ``inventorySetQuantities`` with ``changeFromQuantity`` compare-and-set and
``@idempotent`` keys, paced by the cost-based leaky bucket reported in ``extensions.cost.throttleStatus``;
order webhooks signed with ``X-Shopify-Hmac-Sha256``.

Config keys: ``base_url`` (``https://SHOP.myshopify.com``), ``api_version`` (``2026-04``),
``access_token``, ``location_id`` (default location for refs without ``@LOCATION``),
``webhook_secret``, ``timeout_s``. Listing refs: ``ITEM`` or ``ITEM@LOCATION`` (numeric ids or gids).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping, Sequence
from typing import Any

from .base import ChannelOrder, ChannelUnavailable, OrderLine, PushItem, PushResult, WebhookDelivery
from .http import HttpChannel, TokenBucket
from .signing import header, valid_hmac_b64

SET = """mutation setQuantities($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup { id }
    userErrors { code field message }
  }
}"""
MUTATION_COST = 10
READ_CHUNK = 50


def _gid(kind: str, value: str) -> str:
    return value if value.startswith("gid://") else f"gid://shopify/{kind}/{value}"


class ShopifyConnector:
    kind = "shopify"
    batch_limit = 100

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = config
        version = config.get("api_version", "2026-04")
        headers = {"X-Shopify-Access-Token": str(config.get("access_token", ""))}
        self.http = HttpChannel(str(config["base_url"]), timeout_s=float(config.get("timeout_s", 10)), headers=headers)
        self.path = f"/admin/api/{version}/graphql.json"
        # Standard plan figures until the shop's own throttleStatus says otherwise.
        self.bucket = TokenBucket(
            float(config.get("restore_rate", 100.0)), float(config.get("maximum_available", 1000.0))
        )

    def _split(self, ref: str) -> tuple[str, str]:
        item, _, location = ref.partition("@")
        location = location or str(self.config.get("location_id", ""))
        return _gid("InventoryItem", item), _gid("Location", location)

    def _graphql(self, query: str, variables: dict[str, Any], cost: float) -> dict[str, Any]:
        for _ in range(self.http.attempts):
            answer = self.http.request(
                self.bucket, "POST", self.path, cost=cost, json={"query": query, "variables": variables}
            )
            body: dict[str, Any] = answer.json()
            status = ((body.get("extensions") or {}).get("cost") or {}).get("throttleStatus")
            if status:
                self.bucket.update(
                    rate=float(status["restoreRate"]) * 0.95,
                    capacity=float(status["maximumAvailable"]),
                    tokens=float(status["currentlyAvailable"]),
                )
            codes = [((e.get("extensions") or {}).get("code")) for e in body.get("errors") or []]
            if "THROTTLED" not in codes:
                if body.get("errors") and body.get("data") is None:
                    raise ChannelUnavailable(f"Shopify GraphQL errors: {body['errors']}")
                return body
            time.sleep(cost / max(self.bucket.rate, 1.0))
        raise ChannelUnavailable("Shopify kept answering THROTTLED")

    def push(self, items: Sequence[PushItem]) -> list[PushResult]:
        results: list[PushResult] = []
        for start in range(0, len(items), self.batch_limit):
            results += self._push_batch(items[start : start + self.batch_limit])
        return results

    def _push_batch(self, items: Sequence[PushItem]) -> list[PushResult]:
        results: dict[int, PushResult] = {}
        pending = {i: (item, item.last_pushed) for i, item in enumerate(items)}
        for _round in range(3):  # a stale compare-and-set is read back and sent once more
            if not pending:
                break
            order = sorted(pending)
            quantities = []
            for i in order:
                item, change_from = pending[i]
                gid_item, gid_location = self._split(item.ref)
                quantities.append(
                    {
                        "inventoryItemId": gid_item,
                        "locationId": gid_location,
                        "quantity": item.quantity,
                        "changeFromQuantity": change_from,
                    }
                )
            payload = {
                "name": "available",
                "reason": "correction",
                "referenceDocumentUri": "truecount://sync",
                "quantities": quantities,
            }
            # The same push (listing versions) with the same payload is the same request: a retry after
            # a lost answer is recognised; any later push has a new version, hence a new key.
            pushes = [pending[i][0].key for i in order]
            key = hashlib.sha256(json.dumps([pushes, payload], sort_keys=True).encode()).hexdigest()[:32]
            body = self._graphql(SET, {"input": payload, "key": key}, MUTATION_COST)
            errors = body["data"]["inventorySetQuantities"]["userErrors"]
            if not errors:
                for i in order:
                    results[i] = PushResult(pending.pop(i)[0].ref, True)
                continue
            error = errors[0]
            field = error.get("field") or []
            index = (
                order[int(field[2])]
                if len(field) > 2 and str(field[2]).isdigit() and int(field[2]) < len(order)
                else None
            )
            if index is None:
                for i in order:
                    results[i] = PushResult(
                        pending.pop(i)[0].ref, False, f"{error['code']}: {error['message']}", retryable=False
                    )
                break
            item = pending[index][0]
            if error.get("code") == "CHANGE_FROM_QUANTITY_STALE":
                found = self.read_back([item.ref]).get(item.ref)
                pending[index] = (item, found)
                if _round == 2:
                    results[index] = PushResult(
                        item.ref, False, "compare-and-set kept finding another value", found=found
                    )
                continue
            results[index] = PushResult(item.ref, False, f"{error['code']}: {error['message']}", retryable=False)
            del pending[index]
        for i, (item, found) in pending.items():
            results.setdefault(
                i, PushResult(item.ref, False, "compare-and-set kept finding another value", found=found)
            )
        return [results[i] for i in range(len(items))]

    def read_back(self, refs: Sequence[str]) -> dict[str, int | None]:
        found: dict[str, int | None] = {}
        for start in range(0, len(refs), READ_CHUNK):
            chunk = list(refs[start : start + READ_CHUNK])
            fields = []
            for n, ref in enumerate(chunk):
                item, location = self._split(ref)
                fields.append(
                    f'r{n}: inventoryItem(id: "{item}") {{ id inventoryLevel(locationId: "{location}") '
                    '{ quantities(names: ["available"]) { name quantity } } }'
                )
            body = self._graphql("query readBack { " + " ".join(fields) + " }", {}, 2 + 3 * len(chunk))
            data = body.get("data") or {}
            for n, ref in enumerate(chunk):
                level = (data.get(f"r{n}") or {}).get("inventoryLevel")
                found[ref] = int(level["quantities"][0]["quantity"]) if level else None
        return found

    def poll_orders(self, cursor: str | None) -> tuple[list[ChannelOrder], str | None]:
        return [], cursor  # Shopify orders arrive by webhook

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> bool:
        return valid_hmac_b64(
            str(self.config.get("webhook_secret", "")), body, header(headers, "X-Shopify-Hmac-Sha256")
        )

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookDelivery:
        topic = header(headers, "X-Shopify-Topic")
        delivery = header(headers, "X-Shopify-Webhook-Id") or header(headers, "X-Shopify-Event-Id")
        data = json.loads(body)
        orders: list[ChannelOrder] = []
        if topic in ("orders/create", "orders/cancelled"):
            lines = [OrderLine(str(li.get("sku") or ""), int(li["quantity"])) for li in data.get("line_items") or []]
            event = "created" if topic == "orders/create" else "cancelled"
            orders.append(ChannelOrder(str(data["id"]), event, f"{data['id']}:{event}", lines))
        elif topic == "refunds/create":
            lines = [  # no_restock: refunded but not coming back (what was not shipped is still released)
                OrderLine(
                    str((rli.get("line_item") or {}).get("sku") or ""),
                    int(rli["quantity"]),
                    restock=rli.get("restock_type", "return") != "no_restock",
                )
                for rli in data.get("refund_line_items") or []
            ]
            orders.append(
                ChannelOrder(str(data["order_id"]), "refunded", f"{data['order_id']}:refund:{data['id']}", lines)
            )
        return WebhookDelivery(delivery, topic, orders)

    def close(self) -> None:
        self.http.close()
