"""The speed targets and how each is read from the benchmarks' rows.

Each benchmark module returns rows (dicts with a ``benchmark`` key); a :class:`Target` finds its
figure among them. A target whose rows are missing (its benchmark was not run, or a backend was
unreachable) is reported as not measured, never as met. Ratios compare figures measured in the
same run, on the same machine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Row = dict[str, Any]
BACKENDS = ("sqlite", "postgresql")
STOCK_IMPORT = "imports: stock (CLI process, orders over HTTP)"
DEMO_LOAD = "imports: demo load (CLI process, schema included)"


@dataclass(frozen=True)
class Target:
    name: str
    goal: str
    figure: Callable[[list[Row]], float | None]
    met: Callable[[float], bool]
    unit: str = ""
    module: str = ""  # the benchmark module whose rows give the figure (its smoke run must measure it)


def _rows(rows: list[Row], benchmark: str, **match: Any) -> list[Row]:
    return [r for r in rows if r.get("benchmark") == benchmark and all(r.get(k) == v for k, v in match.items())]


def _one(rows: list[Row], benchmark: str, field: str, **match: Any) -> float | None:
    found = [r[field] for r in _rows(rows, benchmark, **match) if isinstance(r.get(field), int | float)]
    return float(found[0]) if found else None


def _http_ratio(backend: str) -> Callable[[list[Row]], float | None]:
    def figure(rows: list[Row]) -> float | None:
        http = [r["per_s"] for r in _rows(rows, "api: orders over HTTP", backend=backend) if r["clients"] in (16, 32)]
        engine = _one(rows, "api: orders in-process (group commit)", "per_s", backend=backend, clients=16)
        return round(max(http) / engine, 2) if http and engine else None

    return figure


def _webhook_ratio(backend: str) -> Callable[[list[Row]], float | None]:
    """Deliveries ÷ orders over HTTP at the most clients measured (16; fewer in a smoke run)."""

    def figure(rows: list[Row]) -> float | None:
        found = [r for r in _rows(rows, "webhooks over HTTP", backend=backend) if r.get("ratio") is not None]
        return float(max(found, key=lambda r: r["clients"])["ratio"]) if found else None

    return figure


def _batch_ratio(backend: str) -> Callable[[list[Row]], float | None]:
    def figure(rows: list[Row]) -> float | None:
        http = _one(rows, "api: orders:batch over HTTP", "per_s", backend=backend)
        engine = _one(rows, "api: orders in-process (place_orders batch)", "per_s", backend=backend)
        return round(http / engine, 2) if http and engine else None

    return figure


def _group_commit_ratio(rows: list[Row]) -> float | None:
    """Group commit at 16 clients over the catalogue (not the one hot variant) ÷ the raw guarded statement."""
    found = [r["ratio"] for r in _rows(rows, "booking", mode="group commit", clients=16) if r.get("variants", 1) > 1]
    return float(found[0]) if found else None


def _search_p50(backend: str) -> Callable[[list[Row]], float | None]:
    def figure(rows: list[Row]) -> float | None:
        found = [r["http_p50_ms"] for r in _rows(rows, "stock_screen_search", backend=backend)]
        return max(found) if found else None

    return figure


def _recompute_rate(backend: str) -> Callable[[list[Row]], float | None]:
    def figure(rows: list[Row]) -> float | None:
        found = [
            r["listings_per_s"]
            for r in rows
            if str(r.get("benchmark", "")).startswith("offers: full recompute")
            and r.get("backend") == backend
            and str(r.get("run", "")).startswith("first")
        ]
        return float(found[0]) if found else None

    return figure


def _fan_out_added(backend: str) -> Callable[[list[Row]], float | None]:
    def figure(rows: list[Row]) -> float | None:
        found = [
            r["added_ms_per_movement"]
            for r in rows
            if str(r.get("benchmark", "")).startswith("offers: one component change") and r.get("backend") == backend
        ]
        return float(found[0]) if found else None

    return figure


TARGETS: list[Target] = [
    t
    for backend in BACKENDS
    for t in (
        Target(f"HTTP orders 16–32 clients ÷ in-process group commit 16 ({backend})", "≥ 0.5",
               _http_ratio(backend), lambda x: x >= 0.5, module="api"),
        Target(f"HTTP orders p99 at 16 clients ({backend})", "< 100 ms",
               lambda rows, b=backend: _one(rows, "api: orders over HTTP", "p99_ms", backend=b, clients=16),
               lambda x: x < 100, " ms", module="api"),
        Target(f"webhook deliveries ÷ POST /orders over HTTP, 16 clients ({backend})", "≥ 0.5",
               _webhook_ratio(backend), lambda x: x >= 0.5, module="webhooks"),
        Target(f"POST /orders:batch ÷ in-process place_orders ({backend})", "≥ 0.7",
               _batch_ratio(backend), lambda x: x >= 0.7, module="api"),
        Target(f"stock screen search, slowest case p50 ({backend})", "≤ 50 ms",
               _search_p50(backend), lambda x: x <= 50, " ms", module="api"),
        Target(f"804-listing fan-out, added per movement ({backend})", "≤ 30 ms",
               _fan_out_added(backend), lambda x: x <= 30, " ms", module="offers"),
        Target(f"full offer recompute ({backend})", "≥ 20,000 listings/s",
               _recompute_rate(backend), lambda x: x >= 20_000, "/s", module="offers"),
        Target(f"50,000-row stock import, CLI process ({backend})", "≤ 10 s",
               lambda rows, b=backend: _one(rows, STOCK_IMPORT, "seconds", backend=b),
               lambda x: x <= 10, " s", module="imports"),
        Target(f"order wait during the import, over HTTP ({backend})", "≤ 1 s",
               lambda rows, b=backend: _one(rows, STOCK_IMPORT, "order_wait_max_ms", backend=b),
               lambda x: x <= 1000, " ms", module="imports"),
        Target(f"50,000-row rules import, CLI process ({backend})", "≤ 10 s",
               lambda rows, b=backend: _one(rows, "imports: rules (CLI process)", "seconds", backend=b),
               lambda x: x <= 10, " s", module="imports"),
        Target(f"demo load (make run's), CLI process ({backend})", "≤ 10 s",
               lambda rows, b=backend: _one(rows, DEMO_LOAD, "seconds", backend=b),
               lambda x: x <= 10, " s", module="imports"),
    )
] + [
    Target("group commit, 16 clients ÷ raw guarded UPDATE (postgresql)", "≥ 0.7", _group_commit_ratio,
           lambda x: x >= 0.7, module="orders"),
    Target("truecount --help, CPU", "≤ 0.3 s",
           lambda rows: _one(rows, "cli", "cpu_s", command="truecount --help"), lambda x: x <= 0.3, " s", module="cli"),
    Target("truecount stock SKU, CPU", "≤ 0.6 s",
           lambda rows: _one(rows, "cli", "cpu_s", command="truecount stock SKU"), lambda x: x <= 0.6, " s",
           module="cli"),
    Target("truecount stock SKU (PostgreSQL), CPU", "≤ 0.6 s",
           lambda rows: _one(rows, "cli", "cpu_s", command="truecount stock SKU (PostgreSQL)"), lambda x: x <= 0.6,
           " s", module="cli"),
]  # fmt: skip


def evaluate(rows: list[Row], smoke: bool) -> list[Row]:
    """One row per target: its figure and whether it is met (``not measured`` without rows; a smoke
    run's sizes are too small to judge, so it says ``smoke``)."""
    out = []
    for target in TARGETS:
        value = target.figure(rows)
        if value is None:
            verdict = "not measured"
        elif smoke:
            verdict = "smoke size"
        else:
            verdict = "met" if target.met(value) else "NOT met"
        shown = "" if value is None else f"{value:g}{target.unit}"
        out.append({"target": target.name, "goal": target.goal, "figure": shown, "value": value, "verdict": verdict})
    return out
