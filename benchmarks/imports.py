"""Import benchmarks, each command run as a user runs it (``truecount …``, its own process):

- **stock**: ``truecount import stock FILE`` of ``BENCH_IMPORT_ROWS`` rows (default 50,000) while
  ``truecount serve`` runs on the same database (auth enforced, the embedded sync worker running, its
  default processes) and a client in a process of its own posts a one-line order for a SKU of the file
  to ``POST /api/v1/orders`` every 50 ms (:class:`benchmarks.loadgen.PacedOrders`): the import's wall
  time, and the longest any order waited. The shop: ``BENCH_IMPORT_VARIANTS`` variants (10,000) at 5
  locations, every variant listed on 2 channels; the file one row per (variant, location) until full,
  80% ``receive`` and 20% ``count``, every tenth row in a lot with an expiry date.
- **rules**: ``truecount rules import CHANNEL FILE`` of ``BENCH_IMPORT_RULES`` rows (50,000): one row per
  variant of a catalogue that size, each listed on the channel (so every listing's offer is
  recomputed), a quarter each ``reserve``, ``percent``, ``cap`` and an empty kind (cleared).
- **demo**: ``truecount demo`` on a database that does not exist yet, what ``make run`` does first
  (the schema created, then the demo shop loaded).

The machine is shared, so every row also gives CPU seconds, which the load does not inflate: ``cpu_s``
of the command's process (on SQLite that includes the database's own work) and, on PostgreSQL,
``server_cpu_s`` of the database's server processes while the command ran (from ``/proc``, when the
server runs on this machine; during the stock import the orders' and the served API's share is in
it too), with the load average. Smoke sizes: 500 stock rows over 100 variants, 200 rules (the demo has
one size). ``BENCH_IMPORT_BACKENDS`` chooses the backends of the imports, ``BENCH_DEMO_BACKENDS`` the demo's,
``BENCH_IMPORT_PARTS`` which of ``stock,rules,demo`` run (all by default). Run alone: ``python -m benchmarks imports``;
the demo alone: ``BENCH_IMPORT_PARTS=demo``.
"""

from __future__ import annotations

import csv
import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import insert, select

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.channels import channels
from truecount.adapters.db.tables.offers import listings
from truecount.domain.commands import CreateChannel, PostMovement
from truecount.services.accounts import users as accounts
from truecount.services.channels.setup import create_channel
from truecount.services.common.scope import Scope
from truecount.services.stock.movements import post_movement

from ._setup import PG_ADMIN_URL, ServerCpuWatch, bulk_catalogue, cli_process, fresh_database
from ._size import backends, size
from .api import served
from .loadgen import PacedOrders
from .targets import DEMO_LOAD, STOCK_IMPORT

LOCATIONS = 5
CHANNELS = 2
ORDERED = 20  # the SKUs the orders take, each received 1,000 at LOC-0 first


def _url(backend: str, raw: str) -> str:
    return f"sqlite:///{raw}" if backend == "sqlite" else raw


def _listed(db: Database, scope: Scope, var_ids: list[int], channel_codes: list[str]) -> None:
    """Each variant listed on each channel (set-up, bulk-inserted)."""
    for code in channel_codes:
        create_channel(db, scope, CreateChannel(code, "manual", [f"LOC-{i}" for i in range(LOCATIONS)]))
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


def _stock_file(path: Path, rows: int, variant_count: int) -> None:
    expires = (date.today() + timedelta(days=90)).isoformat()
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["sku", "location", "quantity", "lot", "expires_on", "reference", "mode"])
        for n in range(rows):
            v, loc = n % variant_count, (n // variant_count) % LOCATIONS
            mode = "count" if n % 5 == 4 else "receive"
            lot, exp = (f"L{v % 7}", expires) if n % 10 == 3 else ("", "")
            writer.writerow([f"SKU-{v:07d}", f"LOC-{loc}", 5 + n % 40, lot, exp, "bench", mode])


def _row(benchmark: str, backend: str, took: tuple[float, float, str], watch: ServerCpuWatch) -> dict[str, Any]:
    elapsed, cpu, _ = took
    return {
        "benchmark": benchmark,
        "backend": backend,
        "seconds": round(elapsed, 1),
        "cpu_s": round(cpu, 2),
        "server_cpu_s": None if watch.seconds is None else round(watch.seconds, 2),
        "load_1m": round(os.getloadavg()[0], 1),
    }


def import_stock(backend: str, rows: int, variant_count: int) -> dict[str, Any]:
    with fresh_database(backend) as (db, scope, raw), tempfile.TemporaryDirectory() as tmp:
        var_ids, _ = bulk_catalogue(db, scope, variant_count, LOCATIONS)
        _listed(db, scope, var_ids, [f"ch{c}" for c in range(CHANNELS)])
        ordered = [f"SKU-{i:07d}" for i in range(min(ORDERED, variant_count))]
        for sku in ordered:  # stock to order from while the import runs
            post_movement(db, scope, PostMovement("receive", sku, "LOC-0", 1_000))
        accounts.add_user(db, scope, "bench", "admin", "bench-password")
        token = accounts.create_token(db, scope, "bench")
        path = Path(tmp) / "stock.csv"
        _stock_file(path, rows, variant_count)
        url = _url(backend, raw)
        with (
            served(url) as port,
            PacedOrders(port, token, skus=ordered, channel="ch0") as orders,
            ServerCpuWatch(db) as watch,
        ):
            took = cli_process(["--db", url, "import", "stock", str(path)])
        assert f"imported {rows} stock rows" in took[2], took[2]
        waits = orders.waits
        return {
            **_row(STOCK_IMPORT, backend, took, watch),
            "rows": rows,
            "variants": variant_count,
            "locations": LOCATIONS,
            "listings": CHANNELS * variant_count,
            "rows_per_s": round(rows / took[0]),
            "orders_during_import": len(waits),
            "order_wait_max_ms": round(max(waits) * 1000) if waits else None,
        }


RULE_ROWS = (("reserve", "2", "", ""), ("percent", "", "50", "10"), ("cap", "20", "", ""), ("", "", "", ""))


def import_rules(backend: str, rows: int) -> dict[str, Any]:
    with fresh_database(backend) as (db, scope, raw), tempfile.TemporaryDirectory() as tmp:
        var_ids, _ = bulk_catalogue(db, scope, rows, LOCATIONS)
        _listed(db, scope, var_ids, ["ch0"])
        path = Path(tmp) / "rules.csv"
        with path.open("w", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["sku", "kind", "quantity", "percent", "cap"])
            for n in range(rows):
                writer.writerow([f"SKU-{n:07d}", *RULE_ROWS[n % len(RULE_ROWS)]])
        with ServerCpuWatch(db) as watch:
            took = cli_process(["--db", _url(backend, raw), "rules", "import", "ch0", str(path)])
        assert took[2].startswith(f"{rows} row(s)"), took[2]
        return {**_row("imports: rules (CLI process)", backend, took, watch), "rows": rows, "listings": rows}


@contextmanager
def _empty_database(backend: str) -> Iterator[tuple[Database | None, str]]:
    """A database with no schema yet, as ``make run`` meets it: (a handle to watch PostgreSQL's server
    CPU through, or None on SQLite; its URL)."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="truecount-bench-") as tmp:
            yield None, f"sqlite:///{tmp}/demo.db"
        return
    name = f"truecount_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    db = Database(url)
    try:
        yield db, url
    finally:
        db.dispose()
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def demo_load(backend: str) -> dict[str, Any]:
    with _empty_database(backend) as (db, url), ServerCpuWatch(db) as watch:
        took = cli_process(["--db", url, "demo"])
    assert took[2].startswith("demo loaded:"), took[2]
    row = _row(DEMO_LOAD, backend, took, watch)
    return {**row, "loaded": took[2].removeprefix("demo loaded: ").strip()}


ROWS = size("BENCH_IMPORT_ROWS", 50_000, 500)
VARIANTS = size("BENCH_IMPORT_VARIANTS", 10_000, 100)
RULES = size("BENCH_IMPORT_RULES", 50_000, 200)
DEMO_BACKENDS = backends("BENCH_DEMO_BACKENDS")
PARTS = os.environ.get("BENCH_IMPORT_PARTS", "stock,rules,demo").split(",")  # which of the three to run


def run() -> list[dict[str, Any]]:
    chosen = backends("BENCH_IMPORT_BACKENDS")
    return (
        [import_stock(backend, ROWS, VARIANTS) for backend in chosen if "stock" in PARTS]
        + [import_rules(backend, RULES) for backend in chosen if "rules" in PARTS]
        + [demo_load(backend) for backend in DEMO_BACKENDS if "demo" in PARTS]
    )
