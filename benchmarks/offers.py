"""Channel-offer benchmarks.

1. Fan-out: one component used in 200 bundles (each bundle = the component + one part of its
   own), the component and every bundle listed on 4 channels (804 listings). Each movement on
   the component changes every one of those offers; we time movements with the offer listener
   subscribed and the same movements without it, and report the added latency per movement and
   the listings recomputed (and stored, and queued for push) per second; and the CPU the offers
   add to a movement: this thread's (``added_cpu_ms``: on SQLite the database's work too) and, on
   PostgreSQL, the database's server processes' (``added_server_cpu_ms``, read from ``/proc``). The
   timed movements run as the API server and the worker run theirs (``settled``: what start-up built
   kept out of the garbage collector's walks).
2. Full recompute: ``BENCH_OFFERS_VARIANTS`` variants (default 25000) × 4 channels, every
   variant listed on every channel, stock at 2 locations: the first ``recompute_all`` (every
   offer new: stored and queued) and a second one (nothing changed), with the CPU seconds of this
   thread (``cpu_s``) and of the database's server processes (``server_cpu_s``); run as the CLI
   runs it (``bulk_job``: the collector paused).

Sizes: ``BENCH_OFFERS_VARIANTS`` (25000; the issue's 100000 takes several minutes per backend on
a 2-core machine: set it to run that size), ``BENCH_OFFERS_MOVEMENTS`` (20 per mode and
backend), ``BENCH_OFFERS_BACKENDS`` (``sqlite,postgresql``). Run alone:
``python -m benchmarks offers``.
"""

from __future__ import annotations

import os
import time
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import inventory_types
from truecount.adapters.db.tables.channels import channels
from truecount.adapters.db.tables.ledger import lot_levels, stock_levels
from truecount.adapters.db.tables.offers import listings
from truecount.domain.commands import AddLocation, AddProduct, ComponentSpec, CreateChannel, PostMovement, VariantSpec
from truecount.entrypoints.process import bulk_job, settled
from truecount.services.catalog import records as catalog
from truecount.services.channels.setup import create_channel
from truecount.services.common import availability
from truecount.services.common.scope import Scope
from truecount.services.offers import recompute as offers
from truecount.services.stock.movements import post_movement

from ._setup import bulk_catalogue, fresh_database, server_cpu
from ._size import backends as chosen_backends
from ._size import size

CHANNELS = 4
BUNDLES = size("BENCH_OFFERS_BUNDLES", 200, 5)


def without_offer_listener() -> AbstractContextManager[None]:
    """The same write path with channel offers unwired (the baseline)."""
    return availability.without(lambda listener: listener is offers.LISTENER)


def _fan_out_shop(db: Database, scope: Scope) -> None:
    catalog.add_location(db, scope, AddLocation("WH1", "Main"))
    parts = [VariantSpec("COMP")] + [VariantSpec(f"PART-{i:03d}") for i in range(BUNDLES)]
    catalog.add_product(db, scope, AddProduct("Parts", parts))
    bundles = [
        VariantSpec(f"PACK-{i:03d}", components=[ComponentSpec("COMP", 1), ComponentSpec(f"PART-{i:03d}", 2)])
        for i in range(BUNDLES)
    ]
    catalog.add_product(db, scope, AddProduct("Packs", bundles))
    post_movement(db, scope, PostMovement("receive", "COMP", "WH1", 100))
    for i in range(BUNDLES):
        post_movement(db, scope, PostMovement("receive", f"PART-{i:03d}", "WH1", 10_000))
    for c in range(CHANNELS):
        create_channel(db, scope, CreateChannel(f"ch{c}", "manual", ["WH1"]))
    for c in range(CHANNELS):
        from truecount.services.offers.listings import add_listing

        for sku in ["COMP"] + [f"PACK-{i:03d}" for i in range(BUNDLES)]:
            add_listing(db, scope, f"ch{c}", sku, f"ch{c}:{sku}")


def _movements(db: Database, scope: Scope, count: int) -> tuple[float, float, float | None]:
    """Per movement: seconds of wall clock, CPU seconds of this thread, CPU seconds of the database's
    server processes (None on SQLite, whose work is in this thread's)."""
    server = server_cpu(db)
    started, cpu = time.perf_counter(), time.thread_time()
    for n in range(count):
        post_movement(db, scope, PostMovement("adjust", "COMP", "WH1", 1 if n % 2 == 0 else -1, reason="bench"))
    wall, cpu = time.perf_counter() - started, time.thread_time() - cpu
    after = server_cpu(db)
    return wall / count, cpu / count, None if server is None or after is None else (after - server) / count


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 2)


def fan_out(backend: str, movements: int) -> dict[str, Any]:
    with fresh_database(backend) as (db, scope, _):
        _fan_out_shop(db, scope)
        with without_offer_listener(), settled():
            _movements(db, scope, 5)
            bare, bare_cpu, bare_server = _movements(db, scope, movements)
        _movements(db, scope, 2)
        with settled():  # as the API server and the worker run them
            with_offers, cpu, server = _movements(db, scope, movements)
        listed = CHANNELS * (BUNDLES + 1)
        added = with_offers - bare
        server_added = None if server is None or bare_server is None else server - bare_server
        return {
            "benchmark": f"offers: one component change, {BUNDLES} bundles × {CHANNELS} channels",
            "backend": backend,
            "listings_per_movement": listed,
            "movement_ms_without_offers": _ms(bare),
            "movement_ms_with_offers": _ms(with_offers),
            "added_ms_per_movement": _ms(added),
            "added_cpu_ms": _ms(cpu - bare_cpu),
            "added_server_cpu_ms": _ms(server_added),
            "load_1m": round(os.getloadavg()[0], 1),
            "listings_recomputed_per_s": round(listed / added) if added > 0 else None,
        }


def _bulk_listed_catalogue(db: Database, scope: Scope, count: int) -> None:
    var_ids, loc_ids = bulk_catalogue(db, scope, count, 2)
    m = scope.merchant_id
    now = datetime.now()
    with db.write() as conn:
        good = conn.execute(
            select(inventory_types.c.id).where(inventory_types.c.merchant_id == m, inventory_types.c.code == "good")
        ).scalar_one()
        for start in range(0, len(var_ids), 20_000):
            part = var_ids[start : start + 20_000]
            levels = [
                {"merchant_id": m, "variant_id": v, "location_id": loc, "inventory_type_id": good}
                for v in part
                for loc in loc_ids
            ]
            conn.execute(
                insert(stock_levels),
                [{**k, "on_hand": 5 + k["variant_id"] % 50, "booked": 0, "updated_at": now} for k in levels],
            )
            conn.execute(insert(lot_levels), [{**k, "lot": "", "on_hand": 5 + k["variant_id"] % 50} for k in levels])
    for c in range(CHANNELS):
        create_channel(db, scope, CreateChannel(f"ch{c}", "manual", [f"LOC-{i}" for i in range(len(loc_ids))]))
    with db.write() as conn:
        channel_ids = list(conn.execute(select(channels.c.id).where(channels.c.merchant_id == m)).scalars())
        for ch in channel_ids:
            for start in range(0, len(var_ids), 20_000):
                conn.execute(
                    insert(listings),
                    [
                        {
                            "merchant_id": m,
                            "channel_id": ch,
                            "variant_id": v,
                            "external_ref": f"{ch}:{v}",
                            "ref_detail": "{}",
                            "created_at": now,
                        }
                        for v in var_ids[start : start + 20_000]
                    ],
                )


def full_recompute(backend: str, count: int) -> list[dict[str, Any]]:
    with fresh_database(backend) as (db, scope, _):
        _bulk_listed_catalogue(db, scope, count)
        rows = []
        for label in ("first (every offer new: stored + queued)", "again (nothing changed)"):
            server = server_cpu(db)
            started, cpu = time.perf_counter(), time.thread_time()
            with bulk_job():  # as `truecount offers CHANNEL --recompute` runs it
                done = offers.recompute_all(db, scope)
            elapsed, cpu = time.perf_counter() - started, time.thread_time() - cpu
            after = server_cpu(db)
            rows.append(
                {
                    "benchmark": f"offers: full recompute, {count} variants × {CHANNELS} channels",
                    "backend": backend,
                    "run": label,
                    "listings": done["listings"],
                    "changed": done["changed"],
                    "seconds": round(elapsed, 1),
                    "cpu_s": round(cpu, 2),
                    "server_cpu_s": None if server is None or after is None else round(after - server, 2),
                    "load_1m": round(os.getloadavg()[0], 1),
                    "listings_per_s": round(done["listings"] / elapsed),
                }
            )
        return rows


def run() -> list[dict[str, Any]]:
    backends = chosen_backends("BENCH_OFFERS_BACKENDS")
    movements = size("BENCH_OFFERS_MOVEMENTS", 20, 2)
    count = size("BENCH_OFFERS_VARIANTS", 25000, 50)
    rows: list[dict[str, Any]] = []
    for backend in backends:
        rows.append(fan_out(backend, movements))
    for backend in backends:
        rows.extend(full_recompute(backend, count))
    return rows
