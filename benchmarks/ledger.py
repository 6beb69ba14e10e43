"""Ledger benchmarks.

1. Ingest: mixed movements (receive, transfer, adjust, count, return) over 10k variants × 5
   locations, one transaction each, through the service layer (``post_movement``) and as the
   same inserts and updates issued raw through the driver (sqlite3 / psycopg) in the same run;
   movements/s for both and the ratio service ÷ raw. The raw path skips what only the service
   does: resolving SKU and codes to ids, validation, lot planning, idempotency and the levels
   it reports back.
2. ``verify`` at 1M movements: a ledger of that size (bulk-loaded with consistent levels),
   then the time ``verify()`` takes to recompute and compare every level.

Sizes: ``BENCH_LEDGER_MOVEMENTS`` (default 4000 per path and backend), ``BENCH_LEDGER_VARIANTS``
(10000), ``BENCH_LEDGER_VERIFY`` (1000000). Run alone: ``python -m benchmarks ledger``.
"""

from __future__ import annotations

import random
import sqlite3
import time
from datetime import datetime
from typing import Any

import psycopg

from truecount.adapters.db.engine import Database
from truecount.domain.commands import PostMovement
from truecount.services.common.scope import Scope
from truecount.services.stock.movements import post_movement
from truecount.services.stock.verify import verify

from ._setup import bulk_catalogue, fresh_database
from ._size import size

LOCATIONS = 5
Op = tuple[str, int, int, int, int]  # kind, variant index, location index, quantity (or counted), target location


def plan(count: int, variant_count: int, seed: int = 7) -> list[Op]:
    """A valid mixed sequence: every take is covered (simulated levels)."""
    rng = random.Random(seed)
    level: dict[tuple[int, int], int] = {}
    ops: list[Op] = []
    while len(ops) < count:
        v, loc = rng.randrange(variant_count), rng.randrange(LOCATIONS)
        held = level.get((v, loc), 0)
        roll = rng.random()
        if roll < 0.5 or held == 0:
            q = rng.randint(1, 50)
            ops.append(("receive", v, loc, q, -1))
            level[(v, loc)] = held + q
        elif roll < 0.7:
            to = (loc + 1 + rng.randrange(LOCATIONS - 1)) % LOCATIONS
            q = rng.randint(1, held)
            ops.append(("transfer", v, loc, q, to))
            level[(v, loc)] = held - q
            level[(v, to)] = level.get((v, to), 0) + q
        elif roll < 0.85:
            q = rng.choice((-1, 1)) * rng.randint(1, max(1, min(held, 5)))
            ops.append(("adjust", v, loc, q, -1))
            level[(v, loc)] = held + q
        elif roll < 0.95:
            counted = max(0, held + rng.randint(-3, 3))
            ops.append(("count", v, loc, counted, -1))
            level[(v, loc)] = counted
        else:
            ops.append(("return", v, loc, 1, -1))
            level[(v, loc)] = held + 1
    return ops


def through_service(db: Database, scope: Scope, ops: list[Op]) -> float:
    started = time.perf_counter()
    for kind, v, loc, q, to in ops:
        cmd = PostMovement(
            kind,
            f"SKU-{v:07d}",
            f"LOC-{loc}",
            q,
            to_location=f"LOC-{to}" if to >= 0 else None,
            reason="bench" if kind == "adjust" else None,
        )
        post_movement(db, scope, cmd)
    return time.perf_counter() - started


class RawLedger:
    """The service's inserts and updates, issued straight through the driver, one transaction per movement."""

    def __init__(self, backend: str, target: str, merchant_id: int, type_id: int) -> None:
        self.pg = backend == "postgresql"
        self.m, self.t = merchant_id, type_id
        if self.pg:
            self.conn: Any = psycopg.connect(target)
            self.p = "%s"
        else:
            self.conn = sqlite3.connect(target, isolation_level=None)
            for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON"):
                self.conn.execute(f"PRAGMA {pragma}")
            self.p = "?"

    def sql(self, text: str) -> str:
        return text.replace("?", self.p)

    def begin(self) -> None:
        if not self.pg:
            self.conn.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        self.conn.commit() if self.pg else self.conn.execute("COMMIT")

    def add(self, v: int, loc: int, delta: int, kind: str, counted: int | None = None) -> None:
        now = datetime.now()
        c = self.conn
        if delta >= 0:
            c.execute(
                self.sql(
                    "INSERT INTO stock_levels (merchant_id, variant_id, location_id, inventory_type_id, on_hand, booked, "  # noqa: E501
                    "updated_at) VALUES (?, ?, ?, ?, ?, 0, ?) ON CONFLICT (merchant_id, variant_id, location_id, "
                    "inventory_type_id) DO UPDATE SET on_hand = stock_levels.on_hand + excluded.on_hand, "
                    "updated_at = excluded.updated_at"
                ),
                (self.m, v, loc, self.t, delta, now),
            )
            c.execute(
                self.sql(
                    "INSERT INTO lot_levels (merchant_id, variant_id, location_id, inventory_type_id, lot, on_hand) "
                    "VALUES (?, ?, ?, ?, '', ?) ON CONFLICT (merchant_id, variant_id, location_id, inventory_type_id, lot) "  # noqa: E501
                    "DO UPDATE SET on_hand = lot_levels.on_hand + excluded.on_hand"
                ),
                (self.m, v, loc, self.t, delta),
            )
        else:
            hit = c.execute(
                self.sql(
                    "UPDATE stock_levels SET on_hand = on_hand + ? WHERE merchant_id = ? AND variant_id = ? AND "
                    "location_id = ? AND inventory_type_id = ? AND on_hand + ? - booked >= 0"
                ),
                (delta, self.m, v, loc, self.t, delta),
            ).rowcount
            assert hit == 1
            c.execute(
                self.sql(
                    "UPDATE lot_levels SET on_hand = on_hand + ? WHERE merchant_id = ? AND variant_id = ? AND "
                    "location_id = ? AND inventory_type_id = ? AND lot = '' AND on_hand + ? >= 0"
                ),
                (delta, self.m, v, loc, self.t, delta),
            )
        c.execute(
            self.sql(
                "INSERT INTO movements (merchant_id, at, actor, kind, variant_id, location_id, inventory_type_id, lot, "
                "on_hand_delta, booked_delta, counted) VALUES (?, ?, 'bench', ?, ?, ?, ?, '', ?, 0, ?)"
            ),
            (self.m, now, kind, v, loc, self.t, delta, counted),
        )

    def on_hand(self, v: int, loc: int) -> int:
        lock = " FOR UPDATE" if self.pg else ""
        row = self.conn.execute(
            self.sql(
                "SELECT on_hand FROM stock_levels WHERE merchant_id = ? AND variant_id = ? AND location_id = ? AND "
                "inventory_type_id = ?" + lock
            ),
            (self.m, v, loc, self.t),
        ).fetchone()
        return int(row[0]) if row else 0

    def run(self, ops: list[Op], var_ids: list[int], loc_ids: list[int]) -> float:
        started = time.perf_counter()
        for kind, vi, li, q, ti in ops:
            v, loc = var_ids[vi], loc_ids[li]
            self.begin()
            if kind == "transfer":
                self.add(v, loc, -q, "transfer_out")
                self.add(v, loc_ids[ti], q, "transfer_in")
            elif kind == "count":
                delta = q - self.on_hand(v, loc)
                self.add(v, loc, delta, "count", counted=q)
            else:
                self.add(v, loc, q, kind)
            self.commit()
        return time.perf_counter() - started

    def close(self) -> None:
        self.conn.close()


def ingest(backend: str, count: int, variant_count: int) -> dict[str, Any]:
    ops = plan(count, variant_count)
    with fresh_database(backend) as (db, scope, target):
        var_ids, loc_ids = bulk_catalogue(db, scope, variant_count, LOCATIONS)
        service_s = through_service(db, scope, ops)
        assert verify(db, scope) == []
    with fresh_database(backend) as (db, scope, target):
        var_ids, loc_ids = bulk_catalogue(db, scope, variant_count, LOCATIONS)
        with db.read() as conn:
            type_id = int(
                conn.exec_driver_sql(
                    f"SELECT id FROM inventory_types WHERE merchant_id = {scope.merchant_id} AND code = 'good'"
                ).scalar_one()
            )
        raw = RawLedger(backend, target, scope.merchant_id, type_id)
        try:
            raw_s = raw.run(ops, var_ids, loc_ids)
        finally:
            raw.close()
        assert verify(db, scope) == []
    service_rate, raw_rate = count / service_s, count / raw_s
    return {
        "benchmark": "movement_ingest",
        "backend": backend,
        "variants": variant_count,
        "locations": LOCATIONS,
        "movements": count,
        "service_per_s": round(service_rate),
        "raw_sql_per_s": round(raw_rate),
        "ratio_service_to_raw": round(service_rate / raw_rate, 2),
    }


def verify_at_scale(backend: str, movement_count: int) -> dict[str, Any]:
    """Bulk-load ``movement_count`` movements with consistent levels, then time verify()."""
    rng = random.Random(11)
    variant_count = 10_000
    with fresh_database(backend) as (db, scope, target):
        var_ids, loc_ids = bulk_catalogue(db, scope, variant_count, LOCATIONS)
        with db.read() as conn:
            type_id = int(
                conn.exec_driver_sql(
                    f"SELECT id FROM inventory_types WHERE merchant_id = {scope.merchant_id} AND code = 'good'"
                ).scalar_one()
            )
        m, now = scope.merchant_id, datetime.now()
        sums: dict[tuple[int, int], int] = {}
        rows = []
        for _ in range(movement_count):
            key = (var_ids[rng.randrange(variant_count)], loc_ids[rng.randrange(LOCATIONS)])
            held = sums.get(key, 0)
            delta = rng.randint(1, 20) if held < 5 or rng.random() < 0.6 else -rng.randint(1, held)
            sums[key] = held + delta
            rows.append((m, now, "bench", "receive" if delta > 0 else "adjust", key[0], key[1], type_id, "", delta, 0))
        levels = [(m, v, loc, type_id, q, 0, now) for (v, loc), q in sums.items()]
        lot_rows = [(m, v, loc, type_id, "", q) for (v, loc), q in sums.items()]
        started = time.perf_counter()
        _bulk_load(backend, target, rows, levels, lot_rows)
        load_s = time.perf_counter() - started
        started = time.perf_counter()
        differences = verify(db, scope)
        verify_s = time.perf_counter() - started
        assert differences == []
    return {
        "benchmark": "verify",
        "backend": backend,
        "movements": movement_count,
        "levels": len(levels),
        "load_s": round(load_s, 1),
        "verify_s": round(verify_s, 2),
    }


MOVEMENT_COLUMNS = (
    "merchant_id",
    "at",
    "actor",
    "kind",
    "variant_id",
    "location_id",
    "inventory_type_id",
    "lot",
    "on_hand_delta",
    "booked_delta",
)
LEVEL_COLUMNS = ("merchant_id", "variant_id", "location_id", "inventory_type_id", "on_hand", "booked", "updated_at")
LOT_COLUMNS = ("merchant_id", "variant_id", "location_id", "inventory_type_id", "lot", "on_hand")


def _bulk_load(
    backend: str,
    target: str,
    rows: list[tuple[Any, ...]],
    levels: list[tuple[Any, ...]],
    lot_rows: list[tuple[Any, ...]],
) -> None:
    tables = (
        ("movements", MOVEMENT_COLUMNS, rows),
        ("stock_levels", LEVEL_COLUMNS, levels),
        ("lot_levels", LOT_COLUMNS, lot_rows),
    )
    if backend == "postgresql":
        with psycopg.connect(target) as conn, conn.cursor() as cur:
            # Set-up only: the movements are consistent by construction, so skip their per-row
            # foreign-key triggers (four per movement) like a restore does. Needs a superuser; otherwise
            # they run. The levels' triggers (each variant's available figure) always run.
            replica = True
            try:
                cur.execute("SET session_replication_role = replica")
            except psycopg.errors.InsufficientPrivilege:
                conn.rollback()
                replica = False
            for table, columns, data in tables:
                if replica and table != "movements":
                    cur.execute("SET session_replication_role = origin")
                    replica = False
                with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in data:
                        copy.write_row(row)
        return
    conn = sqlite3.connect(target, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        for table, columns, data in tables:
            marks = ", ".join("?" for _ in columns)
            conn.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                [tuple(str(v) if isinstance(v, datetime) else v for v in row) for row in data],
            )
        conn.execute("COMMIT")
    finally:
        conn.close()


def run() -> list[dict[str, Any]]:
    count = size("BENCH_LEDGER_MOVEMENTS", 4000, 40)
    variant_count = size("BENCH_LEDGER_VARIANTS", 10000, 100)
    verify_count = size("BENCH_LEDGER_VERIFY", 1_000_000, 2000)
    rows = [ingest(backend, count, variant_count) for backend in ("sqlite", "postgresql")]
    rows += [verify_at_scale(backend, verify_count) for backend in ("sqlite", "postgresql")]
    return rows
