"""Shared set-up for benchmarks: fresh databases on each backend, bulk catalogues."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import psycopg
from sqlalchemy import insert, text

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import locations, products, variants
from truecount.services.bootstrap import init_database
from truecount.services.common.available import refresh_feeding
from truecount.services.common.scope import Scope

PG_ADMIN_URL = os.environ.get("TRUECOUNT_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")


@contextmanager
def fresh_database(backend: str) -> Iterator[tuple[Database, Scope, str]]:
    """A new, migrated database with the default merchant; dropped afterwards. Yields (db, scope, raw url)."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="truecount-bench-") as tmp:
            url = f"sqlite:///{tmp}/bench.db"
            db = Database(url)
            scope = Scope(init_database(db), "bench")
            try:
                yield db, scope, f"{tmp}/bench.db"
            finally:
                db.dispose()
        return
    name = f"truecount_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    db = Database(f"{base}/{name}")
    try:
        scope = Scope(init_database(db), "bench")
        yield db, scope, f"{base}/{name}"
    finally:
        db.dispose()
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


def bulk_catalogue(db: Database, scope: Scope, variant_count: int, location_count: int) -> tuple[list[int], list[int]]:
    """Insert ``variant_count`` variants and ``location_count`` locations directly (set-up, not measured)."""
    now = datetime.now()
    m = scope.merchant_id
    with db.write() as conn:
        product_id = conn.execute(
            insert(products).values(merchant_id=m, name="bench", created_at=now)
        ).inserted_primary_key
        assert product_id is not None
        conn.execute(
            insert(variants),
            [
                {
                    "merchant_id": m,
                    "product_id": product_id[0],
                    "sku": f"SKU-{i:07d}",
                    "options": "{}",
                    "tracked": True,
                    "discontinued": False,
                    "is_bundle": False,
                    "created_at": now,
                }
                for i in range(variant_count)
            ],
        )
        conn.execute(
            insert(locations),
            [
                {
                    "merchant_id": m,
                    "code": f"LOC-{i}",
                    "name": f"Location {i}",
                    "kind": "warehouse",
                    "saleable": True,
                    "priority": i,
                    "created_at": now,
                }
                for i in range(location_count)
            ],
        )
        refresh_feeding(conn, m)  # which places feed the channels, as the location service stores it
        var_ids = [
            int(r[0]) for r in conn.exec_driver_sql(f"SELECT id FROM variants WHERE merchant_id = {m} ORDER BY id")
        ]
        loc_ids = [
            int(r[0]) for r in conn.exec_driver_sql(f"SELECT id FROM locations WHERE merchant_id = {m} ORDER BY id")
        ]
    return var_ids, loc_ids


_SERVERS = "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"


def server_cpu(db: Database) -> float | None:
    """CPU seconds (user + system) the database's PostgreSQL server processes have used so far; None on
    SQLite or when they cannot be read (a server on another machine)."""
    if db.is_sqlite:
        return None
    with db.read() as conn:
        pids = [int(pid) for (pid,) in conn.execute(text(_SERVERS))]
    total = 0
    try:
        for pid in pids:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
    except OSError:
        return None
    return total / os.sysconf("SC_CLK_TCK")


def cli_process(args: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Run ``truecount ARGS`` as its own process, as a user runs it; returns (wall seconds, CPU seconds of
    the process (user + system), its output). A failing command raises with its output."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", "from truecount.entrypoints.cli.main import main; main()", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONWARNINGS": "ignore", **(env or {})},
    )
    assert proc.stdout is not None
    output = proc.stdout.read().decode(errors="replace")
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"truecount {' '.join(args)} exited {proc.returncode}: {output[-2000:]}")
    return elapsed, usage.ru_utime + usage.ru_stime, output


class ServerCpuWatch:
    """CPU seconds of the database's PostgreSQL server processes over a ``with`` block, those that start
    and end within it included (another process's connection, which :func:`server_cpu` at the end would
    miss): the processes are listed every 0.2 s and each one's ``/proc`` figure read every 0.05 s, so a
    process that ends loses at most its last 0.05 s. ``seconds`` is None on SQLite (or without a
    database) or when ``/proc`` cannot be read."""

    def __init__(self, db: Database | None) -> None:
        self._db, self._stop = db, threading.Event()
        self._on = db is not None and not db.is_sqlite
        self._first: dict[int, float] = {}
        self._last: dict[int, float] = {}
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self.seconds: float | None = None
        self._readable = True

    def _pids(self) -> list[int]:
        assert self._db is not None
        with self._db.read() as conn:  # a transaction each: one sees the server's activity as it was when it began
            return [int(pid) for (pid,) in conn.execute(text(_SERVERS + " AND pid <> pg_backend_pid()"))]

    def _read(self, pids: list[int]) -> None:
        for pid in pids:
            try:
                with open(f"/proc/{pid}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except FileNotFoundError:
                continue  # ended since it was listed
            except OSError:
                self._readable = False
                return
            self._last[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def _watch(self) -> None:
        pids, tick = self._pids(), 0
        self._read(pids)
        self._first = dict(self._last)  # those that ran before: only what they use from now counts
        while not self._stop.wait(0.05):
            tick += 1
            if tick % 4 == 0:
                pids = self._pids()
            self._read(pids)
        self._read(pids)

    def __enter__(self) -> ServerCpuWatch:
        if self._on:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if not self._on:
            return
        self._stop.set()
        self._thread.join()
        if self._readable:
            self.seconds = sum(cpu - self._first.get(pid, 0.0) for pid, cpu in self._last.items())
