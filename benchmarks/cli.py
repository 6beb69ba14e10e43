"""CLI start-up: CPU seconds (user + system, the process and its children) of ``truecount --help``
and of a read command, ``truecount stock SKU``, each a fresh process as a user runs it.

A command imports only what it needs: ``--help`` no SQLAlchemy, FastAPI or services (a test
checks ``sys.modules``), ``stock SKU`` the stock reads and a database driver. The figure is the
median of ``BENCH_CLI_RUNS`` (7) runs, so a busy neighbour on a shared machine moves it less.
``stock SKU`` runs against SQLite and PostgreSQL. Run alone: ``python -m benchmarks cli``.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from truecount.domain.commands import AddLocation, AddProduct, PostMovement, VariantSpec
from truecount.services.catalog.records import add_location, add_product
from truecount.services.stock.movements import post_movement

from ._setup import fresh_database
from ._size import backends, size

RUNS = size("BENCH_CLI_RUNS", 7, 1)


def _truecount() -> list[str]:
    """The installed ``truecount`` script beside this interpreter (as a user runs it)."""
    script = Path(sys.executable).parent / "truecount"
    found = str(script) if script.exists() else shutil.which("truecount")
    return [found] if found else [sys.executable, "-m", "truecount.entrypoints.cli.main"]


def _cpu(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one run of ``truecount ARGS``; it must succeed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    done = subprocess.run([*_truecount(), *args], env=env, capture_output=True, timeout=120)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"truecount {' '.join(args)} failed: {done.stderr.decode()[-500:]}")
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, wall


def _row(command: str, backend: str, args: list[str], env: dict[str, str]) -> dict[str, Any]:
    runs = [_cpu(args, env) for _ in range(RUNS)]
    return {
        "benchmark": "cli",
        "command": command,
        "backend": backend,
        "runs": RUNS,
        "cpu_s": round(statistics.median(cpu for cpu, _ in runs), 3),
        "wall_s": round(statistics.median(wall for _, wall in runs), 3),
    }


def run() -> list[dict[str, Any]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRUECOUNT_")}
    rows = [_row("truecount --help", "", ["--help"], env)]
    for backend in backends("BENCH_CLI_BACKENDS"):
        with fresh_database(backend) as (db, scope, raw):
            add_location(db, scope, AddLocation("WH1", "Main"))
            add_product(db, scope, AddProduct("Tee", [VariantSpec(f"TEE-{i}") for i in range(50)]))
            post_movement(db, scope, PostMovement("receive", "TEE-7", "WH1", 12))
            url = f"sqlite:///{raw}" if backend == "sqlite" else raw.replace("postgresql://", "postgresql+psycopg://")
            command = "truecount stock SKU" if backend == "sqlite" else "truecount stock SKU (PostgreSQL)"
            rows.append(_row(command, backend, ["--db", url, "--merchant", "default", "stock", "TEE-7"], env))
    return rows
