"""HTTP benchmarks: orders booked per second through the API, next to the engine in-process in the
same run; the stock screen's search at scale. Everything with auth enforced and the embedded sync
worker running, as ``truecount serve`` runs (its default number of processes, or
``BENCH_API_WORKERS``).

- **in-process**: ``place_order`` from 16 threads (group commit), on the same shop, just before the
  server starts; ``place_orders`` batches of ``BENCH_API_BATCH`` (1,000) from one thread, half its
  seconds just before the HTTP batches and half just after (the server up and idle), so the ratio of
  the two reads one stretch of the machine's load (it drifts by tens of percent within a minute);
- **over HTTP**: ``POST /api/v1/orders`` (one order of one line, its own ``Idempotency-Key``) from
  1, 8, 16 and 32 keep-alive clients, and ``POST /api/v1/orders:batch`` (1,000 orders a request)
  from one; the clients run in 4 processes of their own (:mod:`benchmarks.loadgen`), never in the
  server's interpreter. p50/p99 per request.

The shop: 200 SKUs with plenty of stock at one location, one channel. Search: ``BENCH_API_VARIANTS``
(100,000) variants × 5 locations, the stock screen (``GET /``) signed in, p50 of 7 per case.
Sizes: ``BENCH_API_SECONDS`` (8 per measurement). Run alone: ``python -m benchmarks api``; only some
parts with ``BENCH_API_PARTS`` (comma-separated, default ``orders,batch,search``): ``orders`` (one order
a request, and ``place_order`` from 16 threads), ``batch`` (``orders:batch`` and ``place_orders``),
``search`` (the stock screen; without it the 100,000-variant catalogue is not seeded).
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import insert, select

from truecount.adapters.db.engine import Database
from truecount.adapters.db.statistics import refresh_stale
from truecount.adapters.db.tables.catalog import barcodes, inventory_types, locations, products, variants
from truecount.adapters.db.tables.ledger import stock_levels
from truecount.domain.commands import (
    AddLocation,
    AddProduct,
    CreateChannel,
    OrderLineSpec,
    PlaceOrder,
    PostMovement,
    VariantSpec,
)
from truecount.entrypoints.process import settled
from truecount.entrypoints.web import stock_search
from truecount.services.accounts import users as accounts
from truecount.services.catalog import records as catalog
from truecount.services.channels.setup import create_channel
from truecount.services.common.scope import Scope, db_time, utcnow
from truecount.services.orders.place import place_order, place_orders
from truecount.services.stock.movements import post_movement

from ._setup import fresh_database
from ._size import SMOKE, size
from ._size import backends as chosen_backends
from ._size import seconds as duration_s
from .loadgen import run_load

SKUS = size("BENCH_API_SKUS", 200, 10)
STOCK_EACH = 10_000_000
SECONDS = duration_s("BENCH_API_SECONDS", 8.0, 0.3)
CLIENTS = (1, 16) if SMOKE else (1, 8, 16, 32)  # the smoke run measures the 16 clients the targets read
ENGINE_CLIENTS = 16
BATCH = size("BENCH_API_BATCH", 1000, 20)
VARIANTS = size("BENCH_API_VARIANTS", 100_000, 200)
WORKERS = os.environ.get("BENCH_API_WORKERS", "")
PARTS = frozenset(os.environ.get("BENCH_API_PARTS", "orders,batch,search").split(","))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served(url: str) -> Iterator[int]:
    """``truecount serve`` on a free port (sync worker on, default processes); yields the port."""
    with serving(url) as (port, _):
        yield port


@contextmanager
def serving(url: str) -> Iterator[tuple[int, int]]:
    """:func:`served`, yielding the port and the server's process id."""
    port = _free_port()
    args = ["serve", "--db", url, "--port", str(port)] + (["--workers", WORKERS] if WORKERS else [])
    proc = subprocess.Popen(
        [sys.executable, "-c", "from truecount.entrypoints.cli.main import main; main()", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=dict(os.environ, PYTHONWARNINGS="ignore"),
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.2)
        yield port, proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _seed_shop(db: Database, scope: Scope) -> str:
    """The shop and a token for an admin user ``bench``."""
    catalog.add_location(db, scope, AddLocation("WH1", "Main"))
    catalog.add_product(db, scope, AddProduct("Bench", [VariantSpec(f"B-{i:04d}") for i in range(SKUS)]))
    for i in range(SKUS):
        post_movement(db, scope, PostMovement("receive", f"B-{i:04d}", "WH1", STOCK_EACH))
    create_channel(db, scope, CreateChannel(code="web", kind="manual", locations=["WH1"]))
    accounts.add_user(db, scope, "bench", "admin", "bench-password")
    return accounts.create_token(db, scope, "bench")


def _in_process(
    db: Database, scope: Scope, clients: int, batch: int, seconds: float = SECONDS, tag: str = "ip"
) -> dict[str, Any]:
    """Orders per second booked by ``clients`` threads for ``seconds``: ``place_order`` (group commit) or,
    with ``batch``, ``place_orders`` of that many orders a call (external ids starting ``tag``)."""
    counts = [0] * clients
    stop = threading.Event()

    def client(n: int) -> None:
        i = 0
        while not stop.is_set():
            cmds = [
                PlaceOrder("web", f"{tag}-{n}-{i}-{k}", [OrderLineSpec(f"B-{(n * 7919 + i + k) % SKUS:04d}", 1)])
                for k in range(batch or 1)
            ]
            if batch:
                place_orders(db, scope, cmds)
            else:
                place_order(db, scope, cmds[0], f"{tag}-{n}-{i}")
            counts[n] += len(cmds)
            i += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    with settled():  # as the server runs once started
        cpu = time.process_time()
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        time.sleep(seconds)
        stop.set()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - began
        cpu = time.process_time() - cpu
    return {"clients": clients, "per_s": round(sum(counts) / elapsed, 1), "cpu_us": round(cpu * 1e6 / sum(counts), 1)}


def tree_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) used so far by process ``pid`` and its live descendants (uvicorn's
    worker processes), from ``/proc``."""
    stats: dict[int, tuple[int, float]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"))
    tree, total = {pid}, 0.0
    for _ in range(3):  # the server, its workers, and anything they start
        tree |= {p for p, (parent, _) in stats.items() if parent in tree}
    for p in tree:
        total += stats.get(p, (0, 0.0))[1]
    return total


#: The tables the catalogue is bulk-inserted into (the figures kept from the levels included), analyzed after.
SEEDED = ("products", "variants", "barcodes", "locations", "stock_levels", "variant_available")


def _seed_catalogue(db: Database, scope: Scope, count: int) -> None:
    """``count`` variants with a barcode each and levels at 5 locations, bulk-inserted (benchmark data only:
    the levels have no movements behind them), then analyzed on PostgreSQL as a shop's tables are."""
    m, now = scope.merchant_id, db_time(utcnow())
    for i in range(5):
        catalog.add_location(db, scope, AddLocation(f"L{i}", f"Location {i}", saleable=i != 4))
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
                {"merchant_id": m, "product_id": int(pid[0]), "sku": f"SKU-{i:06d}", "options": "{}", "tracked": True,
                 "discontinued": False, "is_bundle": False, "created_at": now}
                for i in range(start, min(count, start + step))
            ]  # fmt: skip
            conn.execute(insert(variants), rows)
        ids = [int(r[0]) for r in conn.execute(select(variants.c.id).where(variants.c.merchant_id == m))]
        for start in range(0, len(ids), step):
            chunk = ids[start : start + step]
            conn.execute(
                insert(barcodes), [{"merchant_id": m, "code": f"99{vid:010d}", "variant_id": vid} for vid in chunk]
            )
            levels = [
                {"merchant_id": m, "variant_id": vid, "location_id": loc, "inventory_type_id": good,
                 "on_hand": (vid * 7 + k) % 40, "booked": (vid + k) % 3, "updated_at": now}
                for vid in chunk
                for k, loc in enumerate(locs)
            ]  # fmt: skip
            conn.execute(insert(stock_levels), levels)
    with db.write() as conn:  # what autovacuum does within a minute of a bulk load, and the stock import at once
        refresh_stale(conn, SEEDED)


def _timed(fn: Any, repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, max(times) * 1000


CASES: dict[str, dict[str, str]] = {
    "first page (no query)": {},
    "SKU fragment": {"q": "SKU-0123"},
    "exact barcode": {"q": "BARCODE"},
    "name (matches all, first page)": {"q": "bulk"},
    "filter low": {"show": "low"},
    "filter out of stock": {"show": "out"},
    "filter oversold": {"show": "oversold"},
    "no match": {"q": "nothing-like-this"},
}


def _orders(port: int, token: str, backend: str) -> list[dict[str, Any]]:
    rows = []
    for clients in CLIENTS:
        load = run_load(port, token, clients, SECONDS, skus=SKUS)
        rows.append({"benchmark": "api: orders over HTTP", "backend": backend, "workers": WORKERS or "default", **load})
    return rows


def _batches(db: Database, scope: Scope, port: int, pid: int, token: str, backend: str) -> list[dict[str, Any]]:
    """``orders:batch`` over HTTP for SECONDS, between two halves of ``place_orders`` in-process. CPU per
    order (µs): of this process in-process, of the server's processes over HTTP (not the database's)."""
    before = _in_process(db, scope, 1, BATCH, SECONDS / 2, "ip-before")
    load_1m, server_cpu = os.getloadavg()[0], tree_cpu_s(pid)
    http = run_load(port, token, 1, SECONDS, skus=SKUS, batch=BATCH)
    server_cpu = tree_cpu_s(pid) - server_cpu
    after = _in_process(db, scope, 1, BATCH, SECONDS / 2, "ip-after")
    engine = (before["per_s"] + after["per_s"]) / 2  # equal halves: the rate over the whole time
    orders = (http["requests"] + 1) * BATCH  # the client's warm-up request too
    return [
        {"benchmark": "api: orders in-process (place_orders batch)", "backend": backend, "orders_a_call": BATCH,
         "clients": 1, "per_s": round(engine, 1), "per_s_before": before["per_s"], "per_s_after": after["per_s"],
         "cpu_us": round((before["cpu_us"] + after["cpu_us"]) / 2, 1)},
        {"benchmark": "api: orders:batch over HTTP", "backend": backend, "orders_a_request": BATCH, **http,
         "server_cpu_us": round(server_cpu * 1e6 / max(orders, 1), 1), "load_1m": round(load_1m, 1)},
    ]  # fmt: skip


#: Requests a search case is timed over (after one to warm it up).
SEARCH_REPEAT = 15


def _search(port: int, pid: int, db: Database, scope: Scope, backend: str, seeded_s: float) -> list[dict[str, Any]]:
    """Per case: p50 and worst of ``GET /`` over HTTP, the CPU per request of the server's processes
    (not the database's), and the search's own p50 in this process."""
    rows = []
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
        http.get("/login")
        form = {"csrf_token": http.cookies["truecount_login_csrf"], "merchant": "default", "name": "viewer",
                "password": "bench-password"}  # fmt: skip
        http.post("/login", data=form)
        for name, case in CASES.items():
            params = {k: (f"99{VARIANTS // 2:010d}" if v == "BARCODE" else v) for k, v in case.items()}
            response = http.get("/", params=params)
            assert response.status_code == 200, response.status_code
            server_cpu = tree_cpu_s(pid)
            p50, worst = _timed(lambda p=params: http.get("/", params=p), SEARCH_REPEAT)  # type: ignore[misc]
            server_cpu = tree_cpu_s(pid) - server_cpu
            service_p50, _ = _timed(
                lambda p=params: stock_search.search(db, scope, p.get("q", ""), p.get("show", "all"), 5, 51, 0),  # type: ignore[misc]
                7,
            )
            rows.append(
                {"benchmark": "stock_screen_search", "backend": backend, "variants": VARIANTS, "locations": 5,
                 "case": name, "http_p50_ms": round(p50, 1), "http_max_ms": round(worst, 1),
                 "server_cpu_ms": round(server_cpu * 1000 / SEARCH_REPEAT, 1), "service_p50_ms": round(service_p50, 1),
                 "seed_s": round(seeded_s, 1), "load_1m": round(os.getloadavg()[0], 1)}
            )  # fmt: skip
    return rows


def measure(backend: str) -> list[dict[str, Any]]:
    """One shop per backend: the engine in-process first, then the same shop served."""
    with fresh_database(backend) as (db, scope, raw):
        began = time.monotonic()
        if "search" in PARTS:
            _seed_catalogue(db, scope, VARIANTS)
        seeded_s = time.monotonic() - began
        token = _seed_shop(db, scope)
        accounts.add_user(db, scope, "viewer", "viewer", "bench-password")
        as_user = Scope(scope.merchant_id, "user:bench", scope.max_quantity)
        rows = []
        if "orders" in PARTS:
            rows.append({"benchmark": "api: orders in-process (group commit)", "backend": backend,
                         **_in_process(db, as_user, ENGINE_CLIENTS, 0)})  # fmt: skip
        url = f"sqlite:///{raw}" if backend == "sqlite" else raw
        with serving(url) as (port, pid):
            if "orders" in PARTS:
                rows += _orders(port, token, backend)
            if "batch" in PARTS:
                rows += _batches(db, as_user, port, pid, token, backend)
            if "search" in PARTS:
                rows += _search(port, pid, db, scope, backend, seeded_s)
            return rows


def run() -> list[dict[str, Any]]:
    return [row for backend in chosen_backends("BENCH_API_BACKENDS") for row in measure(backend)]
