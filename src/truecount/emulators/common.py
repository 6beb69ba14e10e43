"""What every channel emulator shares: rate buckets, fault injection, listing/order state, the admin routes.

An emulator is a FastAPI app that speaks one channel's documented request and response
shapes. Its admin routes live under ``/_emulator`` and are never subject to faults or limits:

- ``GET /_emulator/state``: listings (ref → quantity, write count, time of the last API write), orders,
  request and violation counts;
- ``PUT /_emulator/faults``: ``{error_rate, timeout_rate, drop_rate, stale_rate, timeout_s, seed}``;
- ``PUT /_emulator/listings/{ref}``: ``{quantity, sku?}`` seeds or edits a listing (a "merchant edit");
- ``POST /_emulator/orders``: ``{lines: [{ref, quantity}], id?, override?}`` sells on the channel (quantities
  go down). To play a faulty channel, a quantity that is not a whole number (``1.7``, ``"2"``, ``true``,
  ``null``) is kept as sent, ``override`` (an object) is merged into the order as the channel's API
  shows it (``{"orderItems": "x"}``), and ``shown`` (any JSON: ``[1, 2]``) replaces it whole;
- ``POST /_emulator/orders/{id}/cancel`` and ``/refund``: cancel or refund (restock) an order;
- ``PUT /_emulator/webhook``: ``{url, secret}`` where webhook channels deliver order events;
- ``POST /_emulator/reset``: forget everything (listings, orders, counters, faults, tokens);
- ``PUT /_emulator/auth`` and ``POST /_emulator/auth/expire``: credentials, token lifetime, expiry
  (``emulators.auth``).

Every other route checks credentials first, as the channel does (``guard``), and answers a refusal in
the channel's own shape.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import random
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx
from fastapi import APIRouter, Body, FastAPI, HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .auth import Gate, Guard, auth_router

ADMIN_PREFIX = "/_emulator"


class Bucket:
    """A token bucket: ``capacity`` tokens, refilled at ``rate`` per second. Thread-safe."""

    def __init__(self, rate: float, capacity: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self.stamp = time.monotonic()
        self.lock = threading.Lock()

    def _refill(self) -> None:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def take(self, cost: float = 1.0) -> bool:
        """Take ``cost`` tokens if there are enough; otherwise take nothing and say so."""
        with self.lock:
            self._refill()
            if self.tokens + 1e-9 >= cost:
                self.tokens -= cost
                return True
            return False

    def available(self) -> float:
        with self.lock:
            self._refill()
            return self.tokens

    def retry_after_s(self, cost: float = 1.0) -> float:
        with self.lock:
            self._refill()
            return max(0.0, (cost - self.tokens) / self.rate) if self.rate > 0 else 60.0


@dataclass
class Faults:
    """Shares (0..1) of channel API requests that fail, each drawn independently per request."""

    error_rate: float = 0.0  # answered with a 5xx, nothing applied
    timeout_rate: float = 0.0  # applied, then the answer is held back for timeout_s
    drop_rate: float = 0.0  # the connection is dropped before any answer, nothing applied
    stale_rate: float = 0.0  # someone else edits the listing just before a compare-and-set
    timeout_s: float = 3.0
    processing_s: float = 0.0  # Shopify: a mutation holds its idempotency key this long while it runs
    seed: int | None = None


@dataclass
class Listing:
    ref: str
    quantity: int = 0
    sku: str = ""
    writes: int = 0
    written_at: float | None = None  # wall-clock time of the last write through the channel's API
    price: str | None = None  # the price set through the channel's API ("19.99"), where it takes one
    currency: str | None = None

    def write(self, quantity: int) -> None:
        """A write through the channel's API (what truecount pushes), counted and stamped."""
        self.quantity = quantity
        self.writes += 1
        self.written_at = time.time()


@dataclass
class Order:
    id: str
    lines: list[dict[str, Any]]
    status: str = "open"  # open | cancelled | refunded
    created_at: float = field(default_factory=time.time)
    updated_at: float = field(default_factory=time.time)
    seq: int = 0
    override: dict[str, Any] = field(default_factory=dict)  # merged into the order as the API shows it
    shown: Any = None  # when set: the order as the API shows it, verbatim (a faulty channel)


class EmulatorState:
    """Per-emulator state. Route handlers take ``lock`` around every read-modify-write."""

    def __init__(self, kind: str, gate: Gate) -> None:
        self.kind = kind
        self.gate = gate
        self.lock = threading.RLock()
        self.on_reset: list[Callable[[], None]] = []  # an emulator's own state to forget on reset
        self.reset()

    def reset(self) -> None:
        self.listings: dict[str, Listing] = {}
        self.orders: dict[str, Order] = {}
        self.order_seq = 0
        self.requests = 0
        self.operations: dict[str, int] = {}  # calls per operation (Amazon), per API (eBay)
        self.violations: dict[str, int] = {}
        self.faults = Faults()
        self.rng = random.Random()
        self.webhook_url: str | None = None
        self.webhook_secret = "emulator-secret"
        self.deliveries: list[dict[str, Any]] = []
        self.idempotency: dict[str, Any] = {}  # idempotency key → (payload fingerprint, answer)
        self.gate.reset()
        for forget in self.on_reset:
            forget()

    def listing(self, ref: str) -> Listing:
        """The listing with this ref, created at quantity 0 on first sight."""
        with self.lock:
            if ref not in self.listings:
                self.listings[ref] = Listing(ref=ref, sku=ref)
            return self.listings[ref]

    def called(self, operation: str) -> None:
        with self.lock:
            self.operations[operation] = self.operations.get(operation, 0) + 1

    def violation(self, what: str) -> None:
        with self.lock:
            self.violations[what] = self.violations.get(what, 0) + 1

    def draw(self, share: float) -> bool:
        with self.lock:
            return share > 0 and self.rng.random() < share

    def maybe_stale(self, ref: str) -> None:
        """A stale-CAS fault: another party edits the listing right before our write lands."""
        if self.draw(self.faults.stale_rate):
            with self.lock:
                listing = self.listing(ref)
                listing.quantity += 1

    def new_order(
        self,
        lines: list[dict[str, Any]],
        order_id: str | None = None,
        override: dict[str, Any] | None = None,
        shown: Any = None,
    ) -> Order:
        with self.lock:
            self.order_seq += 1
            oid = order_id or str(1000 + self.order_seq)
            if oid in self.orders:
                raise HTTPException(409, f"order {oid} exists")
            resolved = []
            for i, line in enumerate(lines):
                ref = str(line["ref"])
                qty = line["quantity"]
                listing = self.listing(ref)
                if _whole(qty):  # anything else is kept as sent (a faulty channel) and sells nothing
                    listing.quantity = max(0, listing.quantity - qty)
                # An explicit "sku": "" (or null) is a line without one, as a custom item or a tip is sold.
                sku = str(line.get("sku") or "") if "sku" in line else listing.sku
                resolved.append({"line_id": f"{oid}-{i + 1}", "ref": ref, "sku": sku, "quantity": qty})
            order = Order(id=oid, lines=resolved, seq=self.order_seq, override=dict(override or {}), shown=shown)
            self.orders[oid] = order
            return order

    def end_order(self, order_id: str, status: str) -> Order:
        with self.lock:
            order = self.orders.get(order_id)
            if order is None:
                raise HTTPException(404, f"no order {order_id}")
            if order.status == "open":
                for line in order.lines:
                    if _whole(line["quantity"]):
                        self.listing(line["ref"]).quantity += line["quantity"]
            order.status = status
            self.order_seq += 1
            order.seq = self.order_seq
            order.updated_at = time.time()
            return order

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "kind": self.kind,
                "listings": {ref: item.quantity for ref, item in self.listings.items()},
                "writes": {ref: item.writes for ref, item in self.listings.items()},
                "written_at": {ref: item.written_at for ref, item in self.listings.items()},
                "prices": {ref: item.price for ref, item in self.listings.items() if item.price is not None},
                "orders": [asdict(o) for o in self.orders.values()],
                "requests": self.requests,
                "operations": dict(self.operations),
                "violations": dict(self.violations),
                "violations_total": sum(self.violations.values()),
                "faults": asdict(self.faults),
                "deliveries": len(self.deliveries),
                **self.gate.snapshot(),
            }


def _whole(quantity: Any) -> bool:
    return isinstance(quantity, int) and not isinstance(quantity, bool)


def hmac_b64(secret: str, body: bytes) -> str:
    """base64(HMAC-SHA256(secret, body)): the signature Shopify and WooCommerce put on webhooks."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def admin_router(state: EmulatorState, on_order: Any = None) -> APIRouter:
    """The ``/_emulator`` routes. ``on_order(order, event)`` lets webhook channels deliver events."""
    router = APIRouter(prefix=ADMIN_PREFIX)

    @router.get("/state")
    def get_state() -> dict[str, Any]:
        return state.snapshot()

    @router.post("/reset")
    def reset() -> dict[str, Any]:
        with state.lock:
            state.reset()
        return {"ok": True}

    @router.put("/faults")
    def set_faults(body: dict[str, Any] = Body(...)) -> dict[str, Any]:
        with state.lock:
            state.faults = Faults(**{k: v for k, v in body.items() if k in Faults.__dataclass_fields__})
            state.rng = random.Random(state.faults.seed)
        return asdict(state.faults)

    @router.put("/listings/{ref:path}")
    def set_listing(ref: str, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
        with state.lock:
            listing = state.listing(ref)
            listing.quantity = int(body.get("quantity", listing.quantity))
            listing.sku = str(body.get("sku") or listing.sku)
            return asdict(listing)

    @router.put("/webhook")
    def set_webhook(body: dict[str, Any] = Body(...)) -> dict[str, Any]:
        with state.lock:
            state.webhook_url = body.get("url")
            state.webhook_secret = str(body.get("secret") or state.webhook_secret)
        return {"url": state.webhook_url}

    @router.post("/deliveries/{index}/redeliver")
    def redeliver(index: int) -> dict[str, Any]:
        """Send delivery ``index`` again, byte for byte (what a channel does when an answer was lost)."""
        with state.lock:
            if not 0 <= index < len(state.deliveries):
                raise HTTPException(404, "no such delivery")
            delivery = state.deliveries[index]
        return {**delivery, "status": post_delivery(delivery)}

    @router.post("/orders")
    def create_order(body: dict[str, Any] = Body(...)) -> dict[str, Any]:
        order = state.new_order(list(body.get("lines") or []), body.get("id"), body.get("override"), body.get("shown"))
        return {"order": asdict(order), "delivery": on_order(order, "created") if on_order else None}

    @router.post("/orders/{order_id}/{action}")
    def end_order(order_id: str, action: str) -> dict[str, Any]:
        if action not in ("cancel", "refund"):
            raise HTTPException(404, "unknown action")
        order = state.end_order(order_id, "cancelled" if action == "cancel" else "refunded")
        return {"order": asdict(order), "delivery": on_order(order, action) if on_order else None}

    return router


def record_delivery(state: EmulatorState, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    """Keep a signed webhook delivery and send it to the configured URL (if any)."""
    delivery: dict[str, Any] = {"url": state.webhook_url, "headers": headers, "body": body.decode()}
    with state.lock:
        state.deliveries.append(delivery)
        delivery["index"] = len(state.deliveries) - 1
    delivery["status"] = post_delivery(delivery)
    return delivery


def post_delivery(delivery: dict[str, Any]) -> int | None:
    if not delivery.get("url"):
        return None
    try:
        answer = httpx.post(delivery["url"], content=delivery["body"].encode(), headers=delivery["headers"], timeout=10)
    except httpx.HTTPError:
        return None
    return answer.status_code


class FaultMiddleware:
    """Counts requests and injects faults on every route but the admin ones."""

    def __init__(self, app: ASGIApp, state: EmulatorState, guard: Guard | None = None) -> None:
        self.app = app
        self.state = state
        self.guard = guard

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(ADMIN_PREFIX):
            await self.app(scope, receive, send)
            return
        state = self.state
        with state.lock:
            state.requests += 1
        faults = state.faults
        if state.draw(faults.drop_rate):
            # Start an answer, then abort: the client sees the connection close mid-response.
            headers = [(b"content-type", b"application/json"), (b"content-length", b"64")]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            raise ConnectionAbortedError("emulator: dropped connection (injected)")
        if state.draw(faults.error_rate):
            body = b'{"errors":[{"message":"Internal error (injected)","code":"InternalFailure"}]}'
            await send(
                {"type": "http.response.start", "status": 503, "headers": [(b"content-type", b"application/json")]}
            )
            await send({"type": "http.response.body", "body": body})
            return
        if await self._refused(scope, send):
            return
        if state.draw(faults.timeout_rate):
            messages: list[Message] = []

            async def hold(message: Message) -> None:
                messages.append(message)

            await self.app(scope, receive, hold)  # applied now, answered late
            await asyncio.sleep(faults.timeout_s)
            for message in messages:
                await send(message)
            return
        await self.app(scope, receive, send)

    async def _refused(self, scope: Scope, send: Send) -> bool:
        """Answer a credentials refusal in the channel's shape (and say so), or let the request through."""
        refusal = self.guard(dict(scope)) if self.guard is not None else None
        if refusal is None:
            return False
        status, body, headers = refusal
        raw = json.dumps(body).encode()
        pairs = [(b"content-type", b"application/json"), *[(k.encode(), v.encode()) for k, v in headers.items()]]
        await send({"type": "http.response.start", "status": status, "headers": pairs})
        await send({"type": "http.response.body", "body": raw})
        return True


def build_app(title: str, state: EmulatorState, on_order: Any = None, guard: Guard | None = None) -> FastAPI:
    app = FastAPI(title=title, openapi_url=None, docs_url=None, redoc_url=None)
    app.include_router(admin_router(state, on_order))
    app.include_router(auth_router(state.gate))
    app.add_middleware(FaultMiddleware, state=state, guard=guard)
    return app
