"""Booking benchmarks, on PostgreSQL.

Bookings/s at 1, 4 and 16 concurrent clients (threads, each with its own connections), over
10,000 variants (random) and over one hot variant, each a strict single-line reservation:

- **one order per tx**: ``place_order_alone`` — one transaction that records the order, books
  with the guarded statement, writes the ledger row and the booking, and answers with the order;
- **group commit**: ``place_order`` — the same call, but concurrent callers share transactions
  (``services/group_commit``; each caller still gets its own answer after the shared commit);
- **raw**: the same guarded statement issued through psycopg, one transaction each —
  ``UPDATE stock_levels SET booked = booked + 1 WHERE … AND on_hand - booked >= 1``;
- **ratio** service ÷ raw (raw measured in the same run, just before), p50/p99 latency per call.
  This machine's speed drifts by tens of percent within a minute, so group commit is measured
  in ``BENCH_ORDERS_ROUNDS`` (3) rounds of raw-then-service: the row is the round with the median
  ratio, with the lowest and highest ratio beside it.

Then **batched**: each call records ``BENCH_ORDERS_BATCH`` orders through ``place_orders`` (one
transaction, booked by the one engine, ``services/orders/engine``), at 1, 4 and 16 clients and at one
client per core (``os.cpu_count()``), next to the raw statement for the same number of bookings
sent in one go (``executemany``, one transaction). Every guarantee stays: each level moves only
through the guarded statement; only the commit is shared.
Beside it, **the one statement raw**: the statement ``place_orders`` sends for a batch on
PostgreSQL (``adapters.db.booking.postgres.STATEMENT``: orders, lines, the guarded statement, movements,
bookings), built for the same number of new orders and sent through psycopg, one transaction a
call: what the server alone costs for these writes, with no planning, reads or answers.

Before measuring, the service merchant books ``BENCH_ORDERS_HISTORY`` orders (5000) and every
table is analysed: a live database has a history and statistics. (Measured on a database whose
``orders`` were analysed while empty, PostgreSQL's cached foreign-key checks scan the growing
``orders`` table row by row: the inserts of lines and bookings cost 2-3 times as much.) The
measurements run settled, as the API server and the worker run once started
(``entrypoints.process.settled``: what start-up built is out of the garbage collector's walks). Every
run ends with ``verify()`` (the ledger equals the levels). Sizes: ``BENCH_ORDERS_SECONDS`` (2.0
per measurement), ``BENCH_ORDERS_VARIANTS`` (10000), ``BENCH_ORDERS_BATCH`` (1000). Run alone:
``python -m benchmarks orders``.
"""

from __future__ import annotations

import contextlib
import os
import random
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import psycopg

from truecount.adapters.db.booking import NewOrders
from truecount.adapters.db.booking import postgres as booking_store
from truecount.adapters.db.engine import Database
from truecount.domain.commands import CreateChannel, OrderLineSpec, PlaceOrder
from truecount.entrypoints.process import settled
from truecount.services.catalog.records import ensure_merchant
from truecount.services.channels.setup import create_channel
from truecount.services.common.scope import Scope
from truecount.services.orders.place import place_order, place_order_alone, place_orders
from truecount.services.orders.results import OrderRefused
from truecount.services.stock.verify import verify

from ._setup import bulk_catalogue, fresh_database
from ._size import seconds, size

SECONDS = seconds("BENCH_ORDERS_SECONDS", 2.0, 0.1)
VARIANTS = size("BENCH_ORDERS_VARIANTS", 10000, 200)
BATCH = size("BENCH_ORDERS_BATCH", 1000, 10)
HISTORY = size("BENCH_ORDERS_HISTORY", 5000, 20)
ROUNDS = size("BENCH_ORDERS_ROUNDS", 3, 1)
CLIENTS = (1, 4, 16)
# Batched also at one client per core (2 here): a batch keeps its client's Python busy for the whole
# plan and answer, so the clients share the one interpreter's lock and the cores with the server.
BATCHED_CLIENTS = tuple(sorted({*CLIENTS, os.cpu_count() or 1}))
STOCK = 1_000_000  # per variant: no booking is refused, so every call is a booking

GUARDED = (
    "UPDATE stock_levels SET booked = booked + %s WHERE merchant_id = %s AND variant_id = %s AND location_id = %s "
    "AND inventory_type_id = %s AND on_hand - booked >= %s"
)


def _stock_everything(target: str, m: int, var_ids: list[int], loc: int, type_id: int) -> None:
    """Receive STOCK of every variant at one location (levels, lot levels and the receive movements)."""
    now = datetime.now()
    with psycopg.connect(target) as conn, conn.cursor() as cur:
        copies = (
            ("stock_levels (merchant_id, variant_id, location_id, inventory_type_id, on_hand, booked, updated_at)",
             [(m, v, loc, type_id, STOCK, 0, now) for v in var_ids]),
            ("lot_levels (merchant_id, variant_id, location_id, inventory_type_id, lot, on_hand)",
             [(m, v, loc, type_id, "", STOCK) for v in var_ids]),
            ("movements (merchant_id, at, actor, kind, variant_id, location_id, inventory_type_id, lot, "
             "on_hand_delta, booked_delta)",
             [(m, now, "bench", "receive", v, loc, type_id, "", STOCK, 0) for v in var_ids]),
        )  # fmt: skip
        for table, rows in copies:
            with cur.copy(f"COPY {table} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)


def _run_clients(clients: int, make_worker: Callable[[int], Callable[[], int]]) -> tuple[int, float, list[float]]:
    """Run ``clients`` workers for SECONDS; each call returns bookings made. Returns (bookings, seconds, latencies)."""
    barrier = threading.Barrier(clients + 1)
    stop = threading.Event()
    counts = [0] * clients
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors: list[BaseException] = []

    def client(i: int) -> None:
        try:
            work = make_worker(i)
            barrier.wait()
            while not stop.is_set():
                started = time.perf_counter()
                counts[i] += work()
                latencies[i].append(time.perf_counter() - started)
        except BaseException as error:  # reported after the run
            errors.append(error)
            stop.set()
            barrier.abort()  # a client that could not start must not leave the others waiting for it

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    with contextlib.suppress(threading.BrokenBarrierError):  # broken: a client failed; raised below
        barrier.wait()
    started = time.perf_counter()
    stop.wait(SECONDS)
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return sum(counts), elapsed, [x for per in latencies for x in per]


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return round(1000 * ordered[min(len(ordered) - 1, int(p * len(ordered)))], 2) if ordered else 0.0


class Setup:
    def __init__(self, db: Database, scope: Scope, target: str) -> None:
        self.db, self.scope, self.target = db, scope, target
        self.var_ids, loc_ids = bulk_catalogue(db, scope, VARIANTS, 1)
        self.loc = loc_ids[0]
        with db.read() as conn:
            self.type_id = int(
                conn.exec_driver_sql(
                    f"SELECT id FROM inventory_types WHERE merchant_id = {scope.merchant_id} AND code = 'good'"
                ).scalar_one()
            )
        _stock_everything(target, scope.merchant_id, self.var_ids, self.loc, self.type_id)
        create_channel(db, scope, CreateChannel(code="bench", kind="manual", locations=["LOC-0"]))
        self.serial = 0
        self.lock = threading.Lock()

    def next_id(self) -> str:
        with self.lock:
            self.serial += 1
            return f"o{self.serial}"

    def pick(self, rng: random.Random, hot: bool) -> int:
        return 0 if hot else rng.randrange(VARIANTS)

    def service_worker(self, hot: bool, batch: int, shared: bool = True) -> Callable[[int], Callable[[], int]]:
        place = place_order if shared else place_order_alone

        def make(i: int) -> Callable[[], int]:
            rng = random.Random(i)

            def one() -> int:
                sku = f"SKU-{self.pick(rng, hot):07d}"
                place(self.db, self.scope, PlaceOrder("bench", self.next_id(), [OrderLineSpec(sku, 1)], True))
                return 1

            def many() -> int:
                # Group commit (place_orders: one transaction, a savepoint per order). The batch is sorted
                # by variant so concurrent batches take their row locks in one order, as one order's lines do.
                picks = sorted(self.pick(rng, hot) for _ in range(batch))
                cmds = [PlaceOrder("bench", self.next_id(), [OrderLineSpec(f"SKU-{v:07d}", 1)], True) for v in picks]
                results = place_orders(self.db, self.scope, cmds)
                return sum(1 for r in results if not isinstance(r, OrderRefused))

            return one if batch == 1 else many

        return make

    def raw_worker(self, hot: bool, batch: int, conns: list[Any]) -> Callable[[int], Callable[[], int]]:
        m = self.scope.merchant_id

        def make(i: int) -> Callable[[], int]:
            rng = random.Random(100 + i)
            conn = psycopg.connect(self.target)
            conns.append(conn)
            cur = conn.cursor()

            def work() -> int:
                picks = sorted(self.pick(rng, hot) for _ in range(batch))
                params = [(1, m, self.var_ids[index], self.loc, self.type_id, 1) for index in picks]
                if batch == 1:
                    cur.execute(GUARDED, params[0])
                else:  # the same statement, sent in one go (psycopg pipelines executemany)
                    cur.executemany(GUARDED, params)
                assert cur.rowcount == batch
                conn.commit()
                return batch

            return work

        return make

    def writes_worker(self, batch: int, conns: list[Any]) -> Callable[[int], Callable[[], int]]:
        """The one statement the service sends for a batch (``adapters.db.booking.postgres.STATEMENT``: orders, lines,
        the guarded statement, movements and bookings), sent raw through psycopg: what the server costs."""
        m = self.scope.merchant_id
        with self.db.read() as conn:
            channel_id = int(conn.exec_driver_sql(f"SELECT id FROM channels WHERE merchant_id = {m}").scalar_one())

        def make(i: int) -> Callable[[], int]:
            rng = random.Random(200 + i)
            conn = psycopg.connect(self.target)
            conns.append(conn)

            def work() -> int:
                planned = NewOrders()
                for index in sorted(self.pick(rng, False) for _ in range(batch)):
                    external = self.next_id()
                    vid = self.var_ids[index]
                    take = (0, vid, self.loc, self.type_id, 1)
                    planned.add(channel_id, external, True, f"order:bench:{external}", [(vid, 1)], [take])
                params = booking_store.parameters(m, "bench", planned, datetime.now())
                ok = conn.execute(booking_store.STATEMENT, params).fetchone()
                assert ok is not None and ok[0]
                conn.commit()
                return batch

            return work

        return make


def _measure(
    setups: dict[str, Setup], path: str, clients: int, hot: bool, batch: int, shared: bool = True
) -> dict[str, Any]:
    conns: list[Any] = []
    setup = setups["service" if path == "writes" else path]
    if path == "writes":
        make = setup.writes_worker(batch, conns)
    elif path == "service":
        make = setup.service_worker(hot, batch, shared)
    else:
        make = setup.raw_worker(hot, batch, conns)
    try:
        bookings, elapsed, latencies = _run_clients(clients, make)
    finally:
        for conn in conns:
            conn.close()
    return {"rate": bookings / elapsed, "p50": _pct(latencies, 0.5), "p99": _pct(latencies, 0.99)}


def _row(
    mode: str, clients: int, hot: bool, batch: int, service: dict[str, Any], raw: dict[str, Any]
) -> dict[str, Any]:
    return {
        "benchmark": "booking",
        "mode": mode,
        "variants": 1 if hot else VARIANTS,
        "clients": clients,
        "per_tx": batch,
        "service_per_s": round(service["rate"]),
        "raw_per_s": round(raw["rate"]),
        "ratio": round(service["rate"] / raw["rate"], 2),
        "service_p50_ms": service["p50"],
        "service_p99_ms": service["p99"],
        "raw_p50_ms": raw["p50"],
        "raw_p99_ms": raw["p99"],
    }


def _median_row(
    mode: str, clients: int, hot: bool, pairs: list[tuple[dict[str, Any], dict[str, Any]]]
) -> dict[str, Any]:
    """Rounds of (raw, service) measured back to back: the round with the median ratio, and the spread."""
    ratios = sorted(service["rate"] / raw["rate"] for raw, service in pairs)
    middle = ratios[len(ratios) // 2]
    raw, service = next((r, s) for r, s in pairs if s["rate"] / r["rate"] == middle)
    row = _row(mode, clients, hot, 1, service, raw)
    row.update(rounds=len(pairs), ratio_min=round(ratios[0], 2), ratio_max=round(ratios[-1], 2))
    return row


def _round(setups: dict[str, Setup], clients: int, hot: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """Raw, then the service (group commit), back to back."""
    return _measure(setups, "raw", clients, hot, 1), _measure(setups, "service", clients, hot, 1)


def _history(setup: Setup) -> None:
    """Orders booked before the measurements (each strict, one line, a random variant)."""
    rng = random.Random(7)
    for start in range(0, HISTORY, 500):
        cmds = [
            PlaceOrder("bench", setup.next_id(), [OrderLineSpec(f"SKU-{rng.randrange(VARIANTS):07d}", 1)], True)
            for _ in range(min(500, HISTORY - start))
        ]
        place_orders(setup.db, setup.scope, cmds)


def _analyze(target: str) -> None:
    """Statistics for the bulk-loaded tables, as autovacuum gives a live database: without them the
    planner takes the freshly copied 20,000-row ``stock_levels`` for empty and scans it on every booking."""
    with psycopg.connect(target, autocommit=True) as conn:
        conn.execute("ANALYZE")


def run() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with fresh_database("postgresql") as (db, scope, target):
        # The raw statement books without ledger rows: it gets its own merchant (same tables, same sizes),
        # so the service merchant's ledger can still be verified at the end.
        with db.write() as conn:
            raw_scope = Scope(ensure_merchant(conn, "bench-raw", "raw"), "bench")
        setup = {"service": Setup(db, scope, target), "raw": Setup(db, raw_scope, target)}
        _history(setup["service"])
        _analyze(target)
        with settled():  # as the API server and the worker run once started (entrypoints.process)
            for hot in (False, True):
                for clients in CLIENTS:
                    pairs = [_round(setup, clients, hot)]
                    alone = _measure(setup, "service", clients, hot, 1, shared=False)
                    rows.append(_row("one order per tx", clients, hot, 1, alone, pairs[0][0]))
                    pairs.extend(_round(setup, clients, hot) for _ in range(ROUNDS - 1))
                    rows.append(_median_row("group commit", clients, hot, pairs))
            for clients in BATCHED_CLIENTS:
                service = _measure(setup, "service", clients, False, BATCH)
                raw = _measure(setup, "raw", clients, False, BATCH)
                rows.append(_row("batched", clients, False, BATCH, service, raw))
                writes = _measure(setup, "writes", clients, False, BATCH)
                rows.append(_row("batched: its one statement, raw", clients, False, BATCH, writes, raw))
        assert verify(db, scope) == []
    return rows
