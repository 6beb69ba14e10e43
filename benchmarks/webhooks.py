"""Webhook ingest: signed Shopify ``orders/create`` deliveries through ``ingest.handle_webhook`` (what
``POST /api/v1/webhooks/{channel}`` runs), next to the same orders through ``place_order``.

A shop of ``BENCH_WEBHOOK_VARIANTS`` (200) variants in stock at one location, a Shopify channel with a
webhook secret. Each delivery is one new order of one line, signed as Shopify signs it. Measured at 1
and ``BENCH_WEBHOOK_CLIENTS`` (16) threads for ``BENCH_WEBHOOK_SECONDS`` (3) each: deliveries/s, and
the write transactions (commits) per delivery; then ``place_order`` at the same number of threads in
the same run (``webhook ÷ place_order``). In-process: the route adds only reading the body. Run alone:
``python -m benchmarks webhooks``.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from itertools import count
from typing import Any

from sqlalchemy import event

from truecount.adapters.db.engine import Database
from truecount.domain.commands import CreateChannel, OrderLineSpec, PlaceOrder, PostMovement
from truecount.emulators.common import hmac_b64
from truecount.services.channels.setup import create_channel
from truecount.services.common.scope import Scope
from truecount.services.orders.place import place_order
from truecount.services.stock.movements import post_movement
from truecount.services.sync.ingest import handle_webhook

from ._setup import bulk_catalogue, fresh_database
from ._size import backends, seconds, size

VARIANTS = size("BENCH_WEBHOOK_VARIANTS", 200, 5)
CLIENTS = size("BENCH_WEBHOOK_CLIENTS", 16, 2)
SECONDS = seconds("BENCH_WEBHOOK_SECONDS", 3.0, 0.3)
SECRET = "bench-webhook-secret"


def _delivery(n: int) -> tuple[dict[str, str], bytes]:
    body = json.dumps(
        {"id": 10_000_000 + n, "line_items": [{"sku": f"SKU-{n % VARIANTS:07d}", "quantity": 1}]}
    ).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Hmac-Sha256": hmac_b64(SECRET, body),
        "X-Shopify-Webhook-Id": uuid.uuid4().hex,
    }
    return headers, body


def _run(clients: int, act: Any) -> int:
    """How many acts ``clients`` threads complete in SECONDS."""
    done = [0] * clients
    stop = time.perf_counter() + SECONDS

    def client(index: int) -> None:
        while time.perf_counter() < stop:
            act()
            done[index] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done)


def measure(backend: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with fresh_database(backend) as (db, scope, _):
        _shop(db, scope)
        numbers = count()
        commits = [0]
        event.listen(db.engine, "commit", lambda _conn: commits.__setitem__(0, commits[0] + 1))

        def deliver() -> None:
            headers, body = _delivery(next(numbers))
            answer = handle_webhook(db, scope, "shopify", headers, body)
            assert answer.status == "accepted" and answer.applied == 1, answer

        def order() -> None:
            n = next(numbers)
            place_order(db, scope, PlaceOrder("shopify", f"p-{n}", [OrderLineSpec(f"SKU-{n % VARIANTS:07d}", 1)]))

        for clients in (1, CLIENTS):
            commits[0] = 0
            delivered = _run(clients, deliver)
            per_commit = commits[0] / delivered if delivered else None
            placed = _run(clients, order)
            rows.append(
                {
                    "benchmark": "webhooks",
                    "backend": backend,
                    "clients": clients,
                    "deliveries_per_s": round(delivered / SECONDS),
                    "commits_per_delivery": round(per_commit, 2) if per_commit is not None else None,
                    "place_order_per_s": round(placed / SECONDS),
                    "ratio": round(delivered / placed, 2) if placed else None,
                }
            )
    return rows


def _shop(db: Database, scope: Scope) -> None:
    bulk_catalogue(db, scope, VARIANTS, 1)
    for i in range(VARIANTS):
        post_movement(db, scope, PostMovement("receive", f"SKU-{i:07d}", "LOC-0", 1_000_000))
    config = {
        "base_url": "http://127.0.0.1:9",
        "client_id": "bench",
        "client_secret": "bench",
        "location_id": "7",
        "webhook_secret": SECRET,
    }
    create_channel(db, scope, CreateChannel("shopify", "shopify", ["LOC-0"], config=config))


def run() -> list[dict[str, Any]]:
    return [row for backend in backends("BENCH_WEBHOOK_BACKENDS") for row in measure(backend)]
