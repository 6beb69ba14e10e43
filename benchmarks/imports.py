"""Import benchmarks: ``import stock`` of a large file, and what an order placed during it waits.

A catalogue of ``BENCH_IMPORT_VARIANTS`` variants (default 10,000) at 5 locations, every variant
listed on 2 channels; a stock file of ``BENCH_IMPORT_ROWS`` rows (default 50,000): one row per
(variant, location) until the file is full, 80% ``receive`` and 20% ``count``, every tenth row in
a lot with an expiry date. We time ``import_stock`` end to end, run as ``truecount import stock``
runs it (the collector paused: :func:`truecount.entrypoints.process.bulk_job`), and, while it runs, a second thread
places one-line orders (``place_order``, the service ``POST /api/v1/orders`` calls) for SKUs of the
file, one after another, 50 ms apart, and reports the longest any of them took. The machine is
shared, so the rows also give CPU seconds, which the load does not inflate: ``cpu_s`` of the
importing thread (on SQLite that includes the database's own work) and, on PostgreSQL,
``server_cpu_s`` of the benchmark database's server processes (read from ``/proc``, when the server
runs on this machine; the orders' share is in it too). Sizes:
``BENCH_IMPORT_ROWS``, ``BENCH_IMPORT_VARIANTS`` (smoke: 500 rows, 100 variants),
``BENCH_IMPORT_BACKENDS``. Run alone: ``python -m benchmarks imports``.
"""

from __future__ import annotations

import csv
import os
import tempfile
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.channels import channels
from truecount.adapters.db.tables.offers import listings
from truecount.domain.commands import CreateChannel, OrderLineSpec, PlaceOrder, PostMovement
from truecount.entrypoints.process import bulk_job
from truecount.services.channels.setup import create_channel
from truecount.services.common.scope import Scope
from truecount.services.imports import stock as stock_import
from truecount.services.orders.place import place_order
from truecount.services.stock.movements import post_movement

from ._setup import bulk_catalogue, fresh_database, server_cpu
from ._size import backends, size

LOCATIONS = 5
CHANNELS = 2


def _shop(db: Database, scope: Scope, variant_count: int) -> list[int]:
    var_ids, _ = bulk_catalogue(db, scope, variant_count, LOCATIONS)
    for c in range(CHANNELS):
        create_channel(db, scope, CreateChannel(f"ch{c}", "manual", [f"LOC-{i}" for i in range(LOCATIONS)]))
    now = datetime.now()
    with db.write() as conn:
        ids = list(conn.execute(select(channels.c.id).where(channels.c.merchant_id == scope.merchant_id)).scalars())
        for ch in ids:
            conn.execute(
                insert(listings),
                [
                    {"merchant_id": scope.merchant_id, "channel_id": ch, "variant_id": v,
                     "external_ref": f"{ch}:{v}", "ref_detail": "{}", "created_at": now}
                    for v in var_ids
                ],
            )  # fmt: skip
    for i in range(20):  # stock to order from while the import runs
        post_movement(db, scope, PostMovement("receive", f"SKU-{i:07d}", "LOC-0", 1_000))
    return var_ids


def _file(path: Path, rows: int, variant_count: int) -> None:
    expires = (date.today() + timedelta(days=90)).isoformat()
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["sku", "location", "quantity", "lot", "expires_on", "reference", "mode"])
        for n in range(rows):
            v, loc = n % variant_count, (n // variant_count) % LOCATIONS
            mode = "count" if n % 5 == 4 else "receive"
            lot, exp = (f"L{v % 7}", expires) if n % 10 == 3 else ("", "")
            writer.writerow([f"SKU-{v:07d}", f"LOC-{loc}", 5 + n % 40, lot, exp, "bench", mode])


def import_stock(backend: str, rows: int, variant_count: int) -> dict[str, Any]:
    with fresh_database(backend) as (db, scope, _), tempfile.TemporaryDirectory() as tmp:
        _shop(db, scope, variant_count)
        path = Path(tmp) / "stock.csv"
        _file(path, rows, variant_count)
        waits: list[float] = []
        stop = threading.Event()

        def orders() -> None:
            n = 0
            while not stop.is_set():
                started = time.perf_counter()
                place_order(db, scope, PlaceOrder("ch0", f"bench-{n}", [OrderLineSpec(f"SKU-{n % 20:07d}", 1)]))
                waits.append(time.perf_counter() - started)
                n += 1
                time.sleep(0.05)

        worker = threading.Thread(target=orders)
        worker.start()
        server_before = server_cpu(db)
        started, cpu_started = time.perf_counter(), time.thread_time()
        try:
            with bulk_job():  # as `truecount import stock` runs it
                result = stock_import.import_stock(db, scope, path)
        finally:
            elapsed, cpu = time.perf_counter() - started, time.thread_time() - cpu_started
            stop.set()
            worker.join()
        server_after = server_cpu(db)
        server = None if server_before is None or server_after is None else server_after - server_before
        assert result.rows == rows
        return {
            "benchmark": "imports: stock",
            "backend": backend,
            "rows": rows,
            "variants": variant_count,
            "locations": LOCATIONS,
            "listings": CHANNELS * variant_count,
            "seconds": round(elapsed, 1),
            "cpu_s": round(cpu, 2),
            "server_cpu_s": None if server is None else round(server, 2),
            "load_1m": round(os.getloadavg()[0], 1),
            "rows_per_s": round(rows / elapsed),
            "orders_during_import": len(waits),
            "order_wait_max_ms": round(max(waits) * 1000) if waits else None,
        }


ROWS = size("BENCH_IMPORT_ROWS", 50_000, 500)
VARIANTS = size("BENCH_IMPORT_VARIANTS", 10_000, 100)


def run() -> list[dict[str, Any]]:
    return [import_stock(backend, ROWS, VARIANTS) for backend in backends("BENCH_IMPORT_BACKENDS")]
