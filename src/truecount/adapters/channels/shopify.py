"""Shopify Admin GraphQL: ``inventorySetQuantities`` with ``changeFromQuantity`` compare-and-set and
``@idempotent`` keys, paced by the cost-based leaky bucket reported in ``extensions.cost.throttleStatus``;
order webhooks signed with ``X-Shopify-Hmac-Sha256``.

Credentials: a permanent Admin API token (``access_token``, a custom app made in the shop's admin), or an
app made in the Dev Dashboard (``client_id``, ``client_secret``): the client credentials grant gives a token
of about 24 hours, refreshed ahead of expiry and once more on a 401. The Admin API version is part of the
URL and pinned here, in :data:`API_VERSION` (``api_version`` in the config overrides it; leave it unset).
Other config keys: ``base_url`` (``https://SHOP.myshopify.com``), ``location_id`` (default location for refs
without ``@LOCATION``), ``webhook_secret``, ``timeout_s``, ``restore_rate``, ``maximum_available``. Listing
refs: ``ITEM`` or ``ITEM@LOCATION`` (numeric ids or gids).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from . import payloads
from .auth import ChannelAuth, ShopifyClientToken, StaticHeader
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
from .http import BucketFactory, HttpChannel, memory_buckets
from .shopify_fulfilment import push_fulfilments
from .shopify_prices import set_prices
from .signing import header, valid_hmac_b64

API_VERSION = "2026-04"  # the Admin API version truecount is written and tested against
NEEDED_SCOPES = ("read_inventory", "write_inventory", "read_locations")
CHECK = """query check {{ shop {{ name }} currentAppInstallation {{ accessScopes {{ handle }} }}
  location(id: "{location}") {{ id name isActive }} }}"""

SET = """mutation setQuantities($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup { id }
    userErrors { code field message }
  }
}"""
MUTATION_COST = 10
READ_CHUNK = 50
TRY_AGAIN = frozenset({"IDEMPOTENCY_CONCURRENT_REQUEST"})  # documented "try again": not a refusal


def _gid(kind: str, value: str) -> str:
    return value if value.startswith("gid://") else f"gid://shopify/{kind}/{value}"


def shopify_auth(config: Mapping[str, Any]) -> ChannelAuth:
    """The client credentials grant for a Dev Dashboard app, else the permanent Admin API token."""
    if config.get("client_id") and config.get("client_secret"):
        return ShopifyClientToken(
            str(config["base_url"]).rstrip("/") + "/admin/oauth/access_token",
            str(config["client_id"]),
            str(config["client_secret"]),
            timeout_s=float(config.get("timeout_s", 10)),
        )
    return StaticHeader("X-Shopify-Access-Token", str(config.get("access_token", "")))


def _credentials_check(auth: ChannelAuth) -> Check:
    if isinstance(auth, ShopifyClientToken):
        lifetime = auth.granted.get("expires_in")
        return Check("credentials", True, f"the client credentials grant issues tokens (valid {lifetime} s)")
    return Check("credentials", True, "the shop accepts the Admin API access token")


class ShopifyConnector:
    kind = "shopify"
    batch_limit = 100

    def __init__(
        self,
        config: Mapping[str, Any],
        *,
        buckets: BucketFactory | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.config = config
        self.version = str(config.get("api_version") or API_VERSION)
        self.auth = shopify_auth(config)
        self.http = HttpChannel(
            str(config["base_url"]), timeout_s=float(config.get("timeout_s", 10)), auth=self.auth, stop=stop
        )
        self.path = f"/admin/api/{self.version}/graphql.json"
        self.served_version: str | None = None  # what the shop said it served (X-Shopify-API-Version)
        # Standard plan figures until the shop's own throttleStatus says otherwise.
        self.bucket = (buckets or memory_buckets())(
            "graphql", float(config.get("restore_rate", 100.0)), float(config.get("maximum_available", 1000.0))
        )

    def split_ref(self, ref: str) -> tuple[str, str]:
        """A listing reference's inventory item and location, as gids."""
        return self._split(ref)

    def _split(self, ref: str) -> tuple[str, str]:
        item, _, location = ref.partition("@")
        location = location or str(self.config.get("location_id", ""))
        return _gid("InventoryItem", item), _gid("Location", location)

    def graphql(self, query: str, variables: dict[str, Any], cost: float, *, resend: bool = True) -> dict[str, Any]:
        """One GraphQL request, paced by the cost bucket (``resend=False``: a mutation that is not idempotent)."""
        return self._graphql(query, variables, cost, resend=resend)

    def push_fulfilment(self, items: Sequence[FulfilmentItem]) -> list[FulfilmentResult]:
        """Fulfilments with tracking (``shopify_fulfilment``)."""
        return push_fulfilments(self, items)

    def _graphql(self, query: str, variables: dict[str, Any], cost: float, *, resend: bool = True) -> dict[str, Any]:
        for _ in range(self.http.attempts):
            answer = self.http.request(
                self.bucket, "POST", self.path, cost=cost, json={"query": query, "variables": variables}, resend=resend
            )
            self.served_version = answer.headers.get("X-Shopify-API-Version") or self.served_version
            body: dict[str, Any] = answer.json() if answer.content else {}
            if answer.status_code in (401, 403) or isinstance(body.get("errors"), str):
                # {"errors": "[API] Invalid API key or access token …"}: the shop refuses the app itself
                raise AuthFailed(
                    f"Shopify answered HTTP {answer.status_code}: {body.get('errors') or answer.text[:200]}"
                )
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
            self.http.pause(cost / max(self.bucket.rate, 1.0))
        raise ChannelUnavailable("Shopify kept answering THROTTLED")

    def push(self, items: Sequence[PushItem]) -> list[PushResult]:
        results: list[PushResult] = []
        for start in range(0, len(items), self.batch_limit):
            results += self._push_batch(items[start : start + self.batch_limit])
        return set_prices(self, items, results)

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
            errors = self._set(payload, key)
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
            if index is None:  # the whole mutation was refused
                transient = error.get("code") in TRY_AGAIN
                for i in order:
                    results[i] = PushResult(
                        pending.pop(i)[0].ref, False, f"{error['code']}: {error['message']}", retryable=transient
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

    def _set(self, payload: dict[str, Any], key: str) -> list[dict[str, Any]]:
        """The mutation's userErrors. One still running under the same key (a retry after a timeout) is
        waited for and sent again; a key whose first attempt failed is replaced, as Shopify asks."""
        for attempt in range(self.http.attempts):
            body = self._graphql(SET, {"input": payload, "key": key}, MUTATION_COST)
            errors: list[dict[str, Any]] = body["data"]["inventorySetQuantities"]["userErrors"]
            codes = {e.get("code") for e in errors}
            if "IDEMPOTENCY_CONCURRENT_REQUEST" in codes:
                self.http.pause(self.http.backoff.delay(attempt + 3))
                continue
            if "IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED" in codes:
                key = hashlib.sha256(f"{key}:again".encode()).hexdigest()[:32]
                continue
            return errors
        message = "the same mutation was still in progress after every retry"
        return [{"code": "IDEMPOTENCY_CONCURRENT_REQUEST", "field": None, "message": message}]

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

    def poll_orders(self, cursor: str | None) -> tuple[list[ChannelOrder | RefusedOrder], str | None]:
        return [], cursor  # Shopify orders arrive by webhook

    def check(self) -> list[Check]:
        """The token, the API version the shop serves, the app's scopes and the default location."""
        location = str(self.config.get("location_id") or "0")
        body = self._graphql(CHECK.format(location=_gid("Location", location)), {}, 3)
        data = body.get("data") or {}
        checks = [_credentials_check(self.auth)]
        served = self.served_version or "unknown"
        if served == self.version:
            checks.append(Check("API version", True, f"the shop serves Admin API {served}"))
        else:
            fix = f"Admin API {self.version} is no longer served: upgrade truecount (or set api_version)"
            checks.append(Check("API version", False, f"asked for {self.version}, the shop served {served}", fix))
        granted = {s["handle"] for s in ((data.get("currentAppInstallation") or {}).get("accessScopes") or [])}
        missing = [scope for scope in NEEDED_SCOPES if scope not in granted]
        if missing:
            fix = f"give the app the scopes {', '.join(missing)} and install the new version in the shop"
            checks.append(Check("scopes", False, f"the app lacks {', '.join(missing)}", fix))
        else:
            checks.append(Check("scopes", True, "the app may read and write inventory and read locations"))
        found = data.get("location")
        if not self.config.get("location_id"):
            checks.append(Check("location", True, "no default location_id: every listing names its location"))
        elif found and found.get("isActive"):
            checks.append(Check("location", True, f"location {location} is {found.get('name')}"))
        else:
            fix = "set location_id to an active location's id (Settings → Locations in the shop's admin)"
            checks.append(Check("location", False, f"location {location} is unknown or inactive", fix))
        return checks

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> bool:
        return valid_hmac_b64(
            str(self.config.get("webhook_secret", "")), body, header(headers, "X-Shopify-Hmac-Sha256")
        )

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookDelivery:
        topic = header(headers, "X-Shopify-Topic")
        delivery = header(headers, "X-Shopify-Webhook-Id") or header(headers, "X-Shopify-Event-Id")
        orders: list[ChannelOrder] = []
        if topic in ("orders/create", "orders/cancelled"):
            model: type[payloads.ShopifyOrderCancelled] = payloads.ShopifyOrderCancelled
            if topic == "orders/create":
                model = payloads.ShopifyOrderCreated
            order = payloads.read(model, payloads.parse_json(body))
            lines = [OrderLine(li.sku or "", li.quantity) for li in order.line_items]
            event = "created" if topic == "orders/create" else "cancelled"
            orders.append(ChannelOrder(str(order.id), event, f"{order.id}:{event}", lines))
        elif topic == "refunds/create":
            refund = payloads.read(payloads.ShopifyRefund, payloads.parse_json(body))
            lines = [  # no_restock: refunded but not coming back (what was not shipped is still released)
                OrderLine(
                    (rli.line_item.sku if rli.line_item else None) or "",
                    rli.quantity,
                    restock=(rli.restock_type or "return") != "no_restock",
                )
                for rli in refund.refund_line_items
                if rli.quantity > 0
            ]
            orders.append(
                ChannelOrder(str(refund.order_id), "refunded", f"{refund.order_id}:refund:{refund.id}", lines)
            )
        return WebhookDelivery(delivery, topic, orders)

    def close(self) -> None:
        self.http.close()
