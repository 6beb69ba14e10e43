"""Run the benchmarks; print a table per benchmark, one summary of the targets, then JSON.

``python -m benchmarks`` runs every module in :data:`MODULES`; ``python -m benchmarks api cli``
the named ones; ``--smoke`` runs them at a tiny size (a minute or a few each: what CI runs, so a benchmark
that breaks fails the build); ``--json FILE`` also writes the JSON document to FILE. Each module
exposes ``run() -> list[dict]``: one row per measurement, with a ``benchmark`` key naming it.
The targets (:mod:`benchmarks.targets`) are read from those rows. The JSON document
(``{"machine", "date", "size", "targets", "benchmarks"}``) is printed last, after a
``--- json ---`` line, so a script can take everything after it.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from typing import Any

MODULES = ("cli", "ledger", "orders", "api", "offers", "sync", "trackers", "imports", "webhooks")


def _available(names: list[str]) -> list[str]:
    """The named modules that exist (``imports`` may not, yet)."""
    found = []
    for name in names:
        try:
            importlib.import_module(f"benchmarks.{name}")
        except ModuleNotFoundError as missing:
            if missing.name != f"benchmarks.{name}":
                raise
            continue
        found.append(name)
    return found


def _table(title: str, rows: list[dict[str, Any]]) -> Any:
    from rich.table import Table

    columns: list[str] = []
    for row in rows:
        columns.extend(key for key in row if key not in columns and key != "benchmark")
    table = Table(*columns, title=title)
    for row in rows:
        table.add_row(*(str(row.get(column, "")) for column in columns))
    return table


def machine() -> dict[str, Any]:
    return {
        "machine": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default all: {', '.join(MODULES)})")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: checks every benchmark still runs")
    parser.add_argument("--json", dest="json_path", help="also write the JSON document to this file")
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in MODULES]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(MODULES)}")
    if args.smoke:
        os.environ["BENCH_SIZE"] = "smoke"  # read by benchmarks._size when each module is imported
    from rich.console import Console

    from .targets import evaluate

    log = Console(stderr=True)
    out = Console() if sys.stdout.isatty() else Console(width=160)  # a file or a pipe keeps whole columns
    all_rows: list[dict[str, Any]] = []
    for name in _available(args.names or list(MODULES)):
        log.print(f"[bold]running {name}…[/]")
        started = time.perf_counter()
        rows: list[dict[str, Any]] = importlib.import_module(f"benchmarks.{name}").run()
        log.print(f"{name} took {time.perf_counter() - started:.1f} s")
        groups: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            groups.setdefault(str(row.get("benchmark", name)), []).append(row)
        for title, group in groups.items():
            out.print(_table(title, group))
        all_rows.extend({"module": name, **row} for row in rows)
    targets = evaluate(all_rows, args.smoke)
    about = machine()
    out.print(
        _table(
            f"targets ({'smoke size' if args.smoke else 'full size'}, {about['cores']} cores, {about['date']})",
            [{k: t[k] for k in ("target", "goal", "figure", "verdict")} for t in targets],
        )
    )
    document = {**about, "size": "smoke" if args.smoke else "full", "targets": targets, "benchmarks": all_rows}
    text = json.dumps(document, indent=2, default=str)
    if args.json_path:
        with open(args.json_path, "w", encoding="utf-8") as file:
            file.write(text + "\n")
    print("--- json ---")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
