"""Run the benchmarks and print a table per benchmark plus one JSON document.

``python -m benchmarks`` runs every module in :data:`MODULES` that exists;
``python -m benchmarks ledger orders`` runs the named ones. Each module exposes
``run() -> list[dict]``: one row per measurement, with a ``benchmark`` key naming it.
The JSON document (``{"benchmarks": [...rows]}``) is printed last, on its own lines, so a
script can take everything after the ``--- json ---`` marker.
"""

from __future__ import annotations

import importlib
import json
import platform
import sys
import time
from typing import Any

from rich.console import Console
from rich.table import Table

MODULES = ("ledger", "orders", "offers", "sync", "api", "trackers")


def _available(names: list[str]) -> list[str]:
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


def _table(title: str, rows: list[dict[str, Any]]) -> Table:
    columns: list[str] = []
    for row in rows:
        columns.extend(key for key in row if key not in columns and key != "benchmark")
    table = Table(*columns, title=title)
    for row in rows:
        table.add_row(*(str(row.get(column, "")) for column in columns))
    return table


def main(argv: list[str]) -> int:
    wanted = argv or list(MODULES)
    unknown = [name for name in wanted if name not in MODULES]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(MODULES)}", file=sys.stderr)
        return 2
    console = Console(stderr=True)
    all_rows: list[dict[str, Any]] = []
    for name in _available(wanted):
        console.print(f"[bold]running {name}…[/]")
        started = time.perf_counter()
        rows: list[dict[str, Any]] = importlib.import_module(f"benchmarks.{name}").run()
        console.print(f"{name} took {time.perf_counter() - started:.1f} s")
        groups: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            groups.setdefault(str(row.get("benchmark", name)), []).append(row)
        for title, group in groups.items():
            Console().print(_table(title, group))
        all_rows.extend({"module": name, **row} for row in rows)
    print("--- json ---")
    print(
        json.dumps(
            {"machine": platform.platform(), "python": platform.python_version(), "benchmarks": all_rows}, indent=2
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
