"""Tracker benchmarks.

1. ``list_trackers`` latency (median of 5) with ``BENCH_TRACKERS`` trackers (default 2000: one
   per variant, the three mechanisms in turn) over a ledger of 20 sales/shipments per variant
   in the last 60 days, lots with expiry dates — what the API, CLI and page call.
2. The cost the availability listener adds to a movement: receipts per second on variants with
   three trackers each vs variants with none (``BENCH_TRACKER_MOVES``, default 400 each).

Run alone: ``python -m benchmarks trackers``.
"""

from __future__ import annotations

import json
import statistics
import time
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import inventory_types, lots
from truecount.adapters.db.tables.ledger import lot_levels, movements, stock_levels
from truecount.adapters.db.tables.trackers import trackers
from truecount.domain.commands import PostMovement
from truecount.services.common.scope import Scope
from truecount.services.stock.movements import post_movement
from truecount.services.trackers.watch import list_trackers

from ._setup import bulk_catalogue, fresh_database
from ._size import size

PARAMS = (
    ("stock_quantity", {"below": 40, "expiry_days": 30}),
    ("turnover_days", {"lookback_days": 30, "coverage_days": 14}),
    ("stalled_days", {"lookback_days": 30, "quantity": 10}),
)


def _seed(db: Database, scope: Scope, var_ids: list[int], loc_ids: list[int], tracked: int) -> None:
    m, now, today = scope.merchant_id, datetime.now(), date.today()
    with db.write() as conn:
        good = conn.execute(
            select(inventory_types.c.id).where(inventory_types.c.merchant_id == m, inventory_types.c.code == "good")
        ).scalar_one()
        lot_rows, level_rows, lot_level_rows, move_rows, tracker_rows = [], [], [], [], []
        for i, vid in enumerate(var_ids[:tracked]):
            loc = loc_ids[i % len(loc_ids)]
            lot_rows.append(
                {"merchant_id": m, "variant_id": vid, "code": "L1", "expires_on": today + timedelta(i % 90)}
            )
            level_rows.append(
                {"merchant_id": m, "variant_id": vid, "location_id": loc, "inventory_type_id": good}
                | {"on_hand": 60, "booked": 0, "updated_at": now}
            )
            base = {"merchant_id": m, "variant_id": vid, "location_id": loc, "inventory_type_id": good}
            lot_level_rows += [base | {"lot": "L1", "on_hand": 30}, base | {"lot": "", "on_hand": 30}]
            for k in range(10):
                at = now - timedelta(days=(i + k * 6) % 60, minutes=k)
                move_rows.append(
                    base
                    | {"at": at, "actor": "bench", "kind": "book", "lot": ""}
                    | {"on_hand_delta": 0, "booked_delta": 2}
                )
                move_rows.append(
                    base
                    | {"at": at, "actor": "bench", "kind": "ship", "lot": ""}
                    | {"on_hand_delta": -2, "booked_delta": -2}
                )
            mechanism, params = PARAMS[i % 3]
            tracker_rows.append(
                {"merchant_id": m, "variant_id": vid, "inventory_type_id": good, "mechanism": mechanism}
                | {"params": json.dumps(params), "alerting": False, "created_at": now, "updated_at": now}
            )
        for table, rows in ((lots, lot_rows), (stock_levels, level_rows), (lot_levels, lot_level_rows)):
            conn.execute(insert(table), rows)
        conn.execute(insert(movements), move_rows)
        conn.execute(insert(trackers), tracker_rows)
    if not db.is_sqlite:  # what autovacuum does soon after a bulk load: the planner needs statistics
        with db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()


def _receipts_per_s(db: Database, scope: Scope, skus: list[str]) -> float:
    started = time.perf_counter()
    for sku in skus:
        post_movement(db, scope, PostMovement("receive", sku, "LOC-0", 1))
    return len(skus) / (time.perf_counter() - started)


def _three_trackers_each(db: Database, scope: Scope, var_ids: list[int]) -> None:
    now = datetime.now()
    with db.write() as conn:
        good = conn.execute(
            select(inventory_types.c.id).where(
                inventory_types.c.merchant_id == scope.merchant_id, inventory_types.c.code == "good"
            )
        ).scalar_one()
        conn.execute(
            insert(trackers),
            [
                {"merchant_id": scope.merchant_id, "variant_id": vid, "inventory_type_id": good, "mechanism": mech}
                # alerting already (no stock, no sales): the steady state, no crossing to announce
                | {"params": json.dumps(params), "alerting": True, "created_at": now, "updated_at": now}
                for vid in var_ids
                for mech, params in PARAMS
            ],
        )


def run() -> list[dict[str, Any]]:
    count = size("BENCH_TRACKERS", 2000, 20)
    moves = size("BENCH_TRACKER_MOVES", 400, 5)
    rows: list[dict[str, Any]] = []
    for backend in ("sqlite", "postgresql"):
        with fresh_database(backend) as (db, scope, _url):
            var_ids, loc_ids = bulk_catalogue(db, scope, count + 2 * moves, 3)
            _seed(db, scope, var_ids, loc_ids, count)
            timings = []
            for _ in range(5):
                started = time.perf_counter()
                listed = list_trackers(db, scope)
                timings.append(time.perf_counter() - started)
            assert len(listed) == count
            rows.append(
                {
                    "benchmark": "trackers",
                    "backend": backend,
                    "measure": "list_trackers",
                    "trackers": count,
                    "movements": count * 20,
                    "median_ms": round(statistics.median(timings) * 1000, 1),
                }
            )
            plain = [f"SKU-{i:07d}" for i in range(count, count + moves)]
            watched_ids = var_ids[count + moves : count + 2 * moves]
            _three_trackers_each(db, scope, watched_ids)
            watched = [f"SKU-{i:07d}" for i in range(count + moves, count + 2 * moves)]
            for label, skus in (("receipts, no trackers", plain), ("receipts, 3 trackers each", watched)):
                rows.append(
                    {
                        "benchmark": "trackers",
                        "backend": backend,
                        "measure": label,
                        "movements": len(skus),
                        "per_s": round(_receipts_per_s(db, scope, skus), 1),
                    }
                )
    return rows
