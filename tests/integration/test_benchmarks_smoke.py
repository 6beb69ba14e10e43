"""Every benchmark runs in CI at a tiny "smoke" size: a benchmark that breaks fails the build.

Each runs as ``make bench`` runs it (``python -m benchmarks --smoke NAME``, its own process), on
SQLite and PostgreSQL, and must write rows for the summary to read.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from benchmarks.__main__ import MODULES
from benchmarks.targets import TARGETS, evaluate

ROOT = Path(__file__).resolve().parents[2]
HELPERS = {"__init__", "__main__", "targets"}  # the runner and its parts, not benchmarks
PRESENT = [name for name in MODULES if (ROOT / "benchmarks" / f"{name}.py").exists()]


def test_every_benchmark_module_is_listed_so_ci_runs_it() -> None:
    found = {p.stem for p in (ROOT / "benchmarks").glob("*.py") if not p.stem.startswith("_")} - HELPERS
    found -= {"loadgen"}  # the load generator's process, run by the api benchmark
    assert sorted(found - set(MODULES)) == []


@pytest.mark.slow
@pytest.mark.parametrize("name", PRESENT)
def test_the_benchmark_runs_at_smoke_size_and_reports_rows(name: str, tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    env.pop("BENCH_SIZE", None)
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--smoke", "--json", str(out), name],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    document = json.loads(out.read_text())
    assert document["size"] == "smoke"
    rows = [row for row in document["benchmarks"] if row["module"] == name]
    assert rows, f"{name} reported no rows"
    assert all(row.get("benchmark") for row in rows)
    assert len(document["targets"]) == len(TARGETS)
    assert "--- json ---" in done.stdout and "targets" in done.stdout
    mine = {t.name for t in TARGETS if t.module == name}
    assert [t["target"] for t in document["targets"] if t["target"] in mine and t["value"] is None] == []


def test_every_target_names_the_benchmark_module_that_measures_it() -> None:
    assert [t.name for t in TARGETS if t.module not in MODULES] == []
    assert len({t.name for t in TARGETS}) == len(TARGETS)


def test_every_size_variable_a_benchmark_reads_is_documented() -> None:
    read = set()
    for path in (ROOT / "benchmarks").glob("*.py"):
        read |= set(re.findall(r'"(BENCH_[A-Z0-9_]+)"', path.read_text()))
    documented = (ROOT / "docs" / "benchmarks.md").read_text()
    assert sorted(v for v in read if f"`{v}" not in documented) == []


def test_a_target_without_rows_is_not_measured_and_a_figure_is_judged_by_its_goal() -> None:
    cli = {"benchmark": "cli", "command": "truecount --help", "cpu_s": 0.25}
    slow = {**cli, "cpu_s": 0.9}
    pick = "truecount --help, CPU"
    assert next(t for t in evaluate([], smoke=False) if t["target"] == pick)["verdict"] == "not measured"
    assert next(t for t in evaluate([cli], smoke=False) if t["target"] == pick)["verdict"] == "met"
    assert next(t for t in evaluate([slow], smoke=False) if t["target"] == pick)["verdict"] == "NOT met"
    assert next(t for t in evaluate([slow], smoke=True) if t["target"] == pick)["verdict"] == "smoke size"


def test_group_commit_is_judged_against_the_raw_statement_over_the_catalogue_not_the_hot_variant() -> None:
    row = {"benchmark": "booking", "mode": "group commit", "clients": 16, "variants": 10_000, "ratio": 0.75}
    hot = {**row, "variants": 1, "ratio": 0.2}
    pick = "group commit, 16 clients ÷ raw guarded UPDATE (postgresql)"

    def verdict(rows: list[dict[str, object]]) -> str:
        return str(next(t for t in evaluate(rows, smoke=False) if t["target"] == pick)["verdict"])

    assert verdict([hot, row]) == "met"
    assert verdict([hot]) == "not measured"
    assert verdict([hot, {**row, "ratio": 0.6}]) == "NOT met"
