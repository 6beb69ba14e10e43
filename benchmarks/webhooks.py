"""Webhook ingest: signed Shopify ``orders/create`` deliveries through ``ingest.handle_webhook`` (what
``POST /api/v1/webhooks/{channel}`` runs), next to the same orders through ``place_order``.

A shop of ``BENCH_WEBHOOK_VARIANTS`` (200) variants in stock at one location, a Shopify channel with a
webhook secret. Each delivery is one new order of one line, signed as Shopify signs it. Measured at 1
and ``BENCH_WEBHOOK_CLIENTS`` (16) threads for ``BENCH_WEBHOOK_SECONDS`` (3) each: deliveries/s, and
the write transactions (commits) per delivery; then ``place_order`` at the same number of threads in
the same run (``webhook ÷ place_order``).

Over HTTP, as a channel meets it: ``truecount serve`` (auth enforced, the embedded sync worker running,
its default processes) on a fresh shop of ``BENCH_API_SKUS`` (200) SKUs, the load generator's processes
(:mod:`benchmarks.loadgen`) posting signed ``orders/create`` deliveries to
``POST /api/v1/webhooks/shopify?merchant=default`` from 1 and 16 keep-alive clients, each followed by
``POST /api/v1/orders`` (a bearer token) from as many clients against the same server, for
``BENCH_WEBHOOK_HTTP_SECONDS`` (8) each: deliveries/s, p50/p99, and ``webhook ÷ orders`` at the same
clients. Run alone:
``python -m benchmarks webhooks``.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from itertools import count
from typing import Any

from sqlalchemy import event

from truecount.adapters.db.engine import Database
from truecount.domain.commands import (
    AddLocation,
    AddProduct,
    CreateChannel,
    OrderLineSpec,
    PlaceOrder,
    PostMovement,
    VariantSpec,
)
from truecount.emulators.common import hmac_b64
from truecount.services.accounts import users as accounts
from truecount.services.catalog import records as catalog
from truecount.services.channels.setup import create_channel
from truecount.services.common.scope import Scope
from truecount.services.orders.place import place_order
from truecount.services.stock.movements import post_movement
from truecount.services.sync.ingest import handle_webhook

from ._setup import bulk_catalogue, fresh_database
from ._size import SMOKE, backends, seconds, size
from .api import SKUS, served
from .loadgen import run_load

VARIANTS = size("BENCH_WEBHOOK_VARIANTS", 200, 5)
CLIENTS = size("BENCH_WEBHOOK_CLIENTS", 16, 2)
SECONDS = seconds("BENCH_WEBHOOK_SECONDS", 3.0, 0.3)
HTTP_SECONDS = seconds("BENCH_WEBHOOK_HTTP_SECONDS", 8.0, 0.3)
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


HTTP_CLIENTS = (1, 2) if SMOKE else (1, CLIENTS)
WEBHOOK_PATH = "/api/v1/webhooks/shopify?merchant=default"


def over_http(backend: str) -> list[dict[str, Any]]:
    """Deliveries and orders over HTTP, alternated per number of clients, against one server."""
    rows: list[dict[str, Any]] = []
    with fresh_database(backend) as (db, scope, raw):
        token = _http_shop(db, scope)
        with served(f"sqlite:///{raw}" if backend == "sqlite" else raw) as port:
            for clients in HTTP_CLIENTS:
                hooks = run_load(port, "", clients, HTTP_SECONDS, skus=SKUS, webhook=(WEBHOOK_PATH, SECRET))
                orders = run_load(port, token, clients, HTTP_SECONDS, skus=SKUS)
                rows.append(
                    {
                        "benchmark": "webhooks over HTTP",
                        "backend": backend,
                        "clients": clients,
                        "deliveries_per_s": hooks["per_s"],
                        "p50_ms": hooks["p50_ms"],
                        "p99_ms": hooks["p99_ms"],
                        "orders_per_s": orders["per_s"],
                        "orders_p50_ms": orders["p50_ms"],
                        "ratio": round(hooks["per_s"] / orders["per_s"], 2) if orders["per_s"] else None,
                        "load_1m": round(os.getloadavg()[0], 1),
                    }
                )
    return rows


def _http_shop(db: Database, scope: Scope) -> str:
    """SKUs ``B-0000``… in stock at WH1, a manual channel ``web`` (the orders), a Shopify channel
    ``shopify`` signing with SECRET (the deliveries), and a token of an admin user."""
    catalog.add_location(db, scope, AddLocation("WH1", "Main"))
    catalog.add_product(db, scope, AddProduct("Bench", [VariantSpec(f"B-{i:04d}") for i in range(SKUS)]))
    for i in range(SKUS):
        post_movement(db, scope, PostMovement("receive", f"B-{i:04d}", "WH1", 10_000_000))
    create_channel(db, scope, CreateChannel(code="web", kind="manual", locations=["WH1"]))
    config = {"base_url": "http://127.0.0.1:9", "client_id": "bench", "client_secret": "bench",
              "location_id": "7", "webhook_secret": SECRET}  # fmt: skip
    create_channel(db, scope, CreateChannel("shopify", "shopify", ["WH1"], config=config))
    accounts.add_user(db, scope, "bench", "admin", "bench-password")
    return accounts.create_token(db, scope, "bench")


def run() -> list[dict[str, Any]]:
    chosen = backends("BENCH_WEBHOOK_BACKENDS")
    return [row for backend in chosen for row in measure(backend)] + [
        row for backend in chosen for row in over_http(backend)
    ]
