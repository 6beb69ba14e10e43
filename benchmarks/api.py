"""HTTP benchmarks: orders booked per second through the API under many concurrent clients
(p50/p99), next to the service-layer rate (``place_order``) in the same run; stock-screen
search latency at scale.

Each order is a channel order of one line for 1 unit of one of 200 SKUs, each stocked
with plenty at one location, with an ``Idempotency-Key``.

Run alone: ``.venv/bin/python -m benchmarks.api`` (env ``BENCH_API_VARIANTS`` scales the
search benchmark, default 100000; ``BENCH_API_SECONDS`` the load duration, default 8).
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy import insert, select

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import barcodes, inventory_types, locations, products, variants
from truecount.adapters.db.tables.ledger import stock_levels
from truecount.domain.commands import OrderLineSpec, PlaceOrder
from truecount.entrypoints.web import dashboard
from truecount.services.accounts import users as accounts
from truecount.services.bootstrap import init_database, merchant_scope
from truecount.services.catalog import records as catalog
from truecount.services.channels.setup import CreateChannel, create_channel
from truecount.services.common.scope import Scope, db_time, utcnow
from truecount.services.orders.place import place_order
from truecount.services.stock.movements import PostMovement, post_movement

WRITE_PATH = "/api/v1/orders"
STOCK_EACH = 1_000_000
SKUS = 200
CLIENTS = (1, 8, 32)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")


def _serve(url: str, port: int) -> subprocess.Popen[bytes]:
    cmd = [
        sys.executable,
        "-m",
        "truecount.entrypoints.cli.main",
        "serve",
        "--db",
        url,
        "--port",
        str(port),
        "--no-worker",
    ]
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    proc = subprocess.Popen(
        [sys.executable, "-c", "from truecount.entrypoints.cli.main import main; main()", *cmd[3:]],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the server did not start")


def _seed_shop(db: Database, scope: Scope) -> None:
    catalog.add_location(db, scope, catalog.AddLocation("WH1", "Main"))
    specs = [catalog.VariantSpec(sku=f"B-{i:04d}") for i in range(SKUS)]
    catalog.add_product(db, scope, catalog.AddProduct("Bench product", specs))
    for i in range(SKUS):
        post_movement(db, scope, PostMovement("receive", f"B-{i:04d}", "WH1", STOCK_EACH))
    create_channel(db, scope, CreateChannel(code="web", kind="manual", locations=["WH1"]))


def _order(n: int, i: int) -> dict[str, Any]:
    return {
        "channel": "web",
        "external_id": f"{n}-{i}-{uuid.uuid4().hex[:8]}",
        "lines": [{"sku": f"B-{(n * 7919 + i) % SKUS:04d}", "quantity": 1}],
    }


async def _load(base: str, token: str, clients: int, seconds: float) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    stop_at = time.monotonic() + seconds

    async def client(n: int) -> None:
        nonlocal errors
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as http:
            i = 0
            while time.monotonic() < stop_at:
                body = _order(n, i)
                started = time.perf_counter()
                response = await http.post(WRITE_PATH, json=body, headers={"Idempotency-Key": uuid.uuid4().hex})
                latencies.append(time.perf_counter() - started)
                if response.status_code != 201:
                    errors += 1
                i += 1

    began = time.monotonic()
    await asyncio.gather(*(client(n) for n in range(clients)))
    elapsed = time.monotonic() - began
    return {
        "clients": clients,
        "requests": len(latencies),
        "per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(_pct(latencies, 0.50), 2),
        "p99_ms": round(_pct(latencies, 0.99), 2),
        "errors": errors,
    }


def _service_rate(db: Database, scope: Scope, seconds: float) -> dict[str, Any]:
    latencies = []
    stop_at = time.monotonic() + seconds
    i = 0
    began = time.monotonic()
    while time.monotonic() < stop_at:
        started = time.perf_counter()
        order = _order(0, i)
        cmd = PlaceOrder("web", order["external_id"], [OrderLineSpec(order["lines"][0]["sku"], 1)])
        place_order(db, scope, cmd, uuid.uuid4().hex)
        latencies.append(time.perf_counter() - started)
        i += 1
    elapsed = time.monotonic() - began
    return {
        "per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(_pct(latencies, 0.5), 2),
        "p99_ms": round(_pct(latencies, 0.99), 2),
    }


def writes_over_http(url: str, backend: str, seconds: float) -> list[dict[str, Any]]:
    db = Database(url)
    init_database(db)
    scope = merchant_scope(db, "default", "bench")
    _seed_shop(db, scope)
    accounts.add_user(db, scope, "bench", "admin", "bench-password")
    token = accounts.create_token(db, scope, "bench")
    service = _service_rate(db, scope, seconds / 2)
    port = _free_port()
    server = _serve(url, port)
    results = []
    try:
        for clients in CLIENTS:
            load = asyncio.run(_load(f"http://127.0.0.1:{port}", token, clients, seconds))
            results.append(
                {
                    "benchmark": "api_orders_http",
                    "backend": backend,
                    **load,
                    "service_per_s": service["per_s"],
                    "service_p50_ms": service["p50_ms"],
                    "service_p99_ms": service["p99_ms"],
                }
            )
    finally:
        server.terminate()
        server.wait(timeout=10)
        db.dispose()
    return results


def _seed_catalogue(db: Database, scope: Scope, count: int) -> None:
    """``count`` variants with a barcode each and levels at 5 locations, bulk-inserted (benchmark data only:
    the levels have no movements behind them)."""
    m, now = scope.merchant_id, db_time(utcnow())
    for i in range(5):
        catalog.add_location(db, scope, catalog.AddLocation(f"L{i}", f"Location {i}", saleable=i != 4))
    with db.write() as conn:
        locs = [int(r[0]) for r in conn.execute(select(locations.c.id).where(locations.c.merchant_id == m))]
        good = int(
            conn.execute(
                select(inventory_types.c.id).where(inventory_types.c.merchant_id == m, inventory_types.c.code == "good")
            ).scalar_one()
        )
        pid = conn.execute(
            insert(products).values(merchant_id=m, name="Bulk product", created_at=now)
        ).inserted_primary_key
        assert pid is not None
        step = 5000
        for start in range(0, count, step):
            rows = [
                {
                    "merchant_id": m,
                    "product_id": int(pid[0]),
                    "sku": f"SKU-{i:06d}",
                    "options": "{}",
                    "tracked": True,
                    "discontinued": False,
                    "is_bundle": False,
                    "created_at": now,
                }
                for i in range(start, min(count, start + step))
            ]
            conn.execute(insert(variants), rows)
        ids = [
            (int(r[0]), r[1])
            for r in conn.execute(select(variants.c.id, variants.c.sku).where(variants.c.merchant_id == m))
        ]
        for start in range(0, len(ids), step):
            chunk = ids[start : start + step]
            conn.execute(
                insert(barcodes), [{"merchant_id": m, "code": f"99{vid:010d}", "variant_id": vid} for vid, _ in chunk]
            )
            levels = [
                {
                    "merchant_id": m,
                    "variant_id": vid,
                    "location_id": loc,
                    "inventory_type_id": good,
                    "on_hand": (vid * 7 + k) % 40,
                    "booked": (vid + k) % 3,
                    "updated_at": now,
                }
                for vid, _ in chunk
                for k, loc in enumerate(locs)
            ]
            conn.execute(insert(stock_levels), levels)


def _timed(fn: Any, repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, max(times) * 1000


def search_latency(url: str, backend: str, count: int) -> list[dict[str, Any]]:
    db = Database(url)
    init_database(db)
    scope = merchant_scope(db, "default", "bench")
    began = time.monotonic()
    _seed_catalogue(db, scope, count)
    seeded_s = time.monotonic() - began
    accounts.add_user(db, scope, "bench", "viewer", "bench-password")
    port = _free_port()
    server = _serve(url, port)
    results = []
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60, follow_redirects=False) as http:
            http.get("/login")
            http.post(
                "/login",
                data={
                    "csrf_token": http.cookies["truecount_login_csrf"],
                    "merchant": "default",
                    "name": "bench",
                    "password": "bench-password",
                },
            )
            probe = f"99{count // 2:010d}"
            cases = {
                "first page (no query)": {},
                "SKU fragment": {"q": "SKU-0123"},
                "exact barcode": {"q": probe},
                "name (matches all, first page)": {"q": "bulk"},
                "filter low": {"show": "low"},
                "filter out of stock": {"show": "out"},
                "filter oversold": {"show": "oversold"},
                "no match": {"q": "nothing-like-this"},
            }
            for name, params in cases.items():
                response = http.get("/", params=params)
                assert response.status_code == 200, response.status_code
                p50, worst = _timed(lambda p=params: http.get("/", params=p), 7)  # type: ignore[misc]
                service_p50, _ = _timed(
                    lambda p=params: dashboard.search(db, scope, p.get("q", ""), p.get("show", "all"), 5, 51, 0),  # type: ignore[misc]
                    7,
                )
                results.append(
                    {
                        "benchmark": "stock_screen_search",
                        "backend": backend,
                        "variants": count,
                        "locations": 5,
                        "case": name,
                        "http_p50_ms": round(p50, 1),
                        "http_max_ms": round(worst, 1),
                        "service_p50_ms": round(service_p50, 1),
                        "seed_s": round(seeded_s, 1),
                    }
                )
    finally:
        server.terminate()
        server.wait(timeout=10)
        db.dispose()
    return results


@contextmanager
def _postgres(name: str) -> Iterator[str | None]:
    """A fresh PostgreSQL database (dropped afterwards), or None when PostgreSQL is not reachable."""
    admin = os.environ.get("TRUECOUNT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
    db_name = f"truecount_bench_{name}_{os.getpid()}"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{db_name}"')  # type: ignore[arg-type]
    except psycopg.Error:
        yield None
        return
    try:
        yield admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1) + f"/{db_name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')  # type: ignore[arg-type]


def run() -> list[dict[str, Any]]:
    seconds = float(os.environ.get("BENCH_API_SECONDS", "8"))
    count = int(os.environ.get("BENCH_API_VARIANTS", "100000"))
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="truecount-bench-api-") as tmp:
        results += writes_over_http(f"sqlite:///{Path(tmp) / 'writes.db'}", "sqlite", seconds)
        with _postgres("writes") as pg:
            if pg:
                results += writes_over_http(pg, "postgresql", seconds)
        results += search_latency(f"sqlite:///{Path(tmp) / 'search.db'}", "sqlite", count)
        with _postgres("search") as pg:
            if pg:
                results += search_latency(pg, "postgresql", count)
    return results


if __name__ == "__main__":
    for row in run():
        print(json.dumps(row))
