"""Benchmark sizes: the full size by default, a tiny "smoke" size with ``BENCH_SIZE=smoke``.

``python -m benchmarks --smoke`` (and the test that runs every benchmark in CI) sets
``BENCH_SIZE=smoke`` before a module is imported, so each module reads its sizes once, at import,
through :func:`size`. A size's own variable (``BENCH_ORDERS_SECONDS=5``) wins over both.
"""

from __future__ import annotations

import os

SMOKE = os.environ.get("BENCH_SIZE", "full") == "smoke"


def size(variable: str, full: int, smoke: int) -> int:
    """``$variable`` if set, else ``smoke`` in a smoke run, else ``full``."""
    return int(os.environ.get(variable, smoke if SMOKE else full))


def seconds(variable: str, full: float, smoke: float) -> float:
    """A duration in seconds, chosen like :func:`size`."""
    return float(os.environ.get(variable, smoke if SMOKE else full))


def backends(variable: str) -> list[str]:
    """The backends to measure (``sqlite,postgresql`` unless ``$variable`` names fewer)."""
    return os.environ.get(variable, "sqlite,postgresql").split(",")
