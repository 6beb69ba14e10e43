"""The demo shop loads through the real write path and the ledger verifies."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from truecount.entrypoints.cli.main import app


def test_demo_then_verify_succeeds_and_a_second_demo_if_empty_changes_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    runner = CliRunner()
    loaded = runner.invoke(app, ["--db", url, "demo"])
    assert loaded.exit_code == 0, loaded.output
    assert "variants" in loaded.stdout
    assert runner.invoke(app, ["--db", url, "verify"]).exit_code == 0
    before = runner.invoke(app, ["--db", url, "history", "TEE-BLA-M", "--json"]).stdout
    again = runner.invoke(app, ["--db", url, "demo", "--if-empty"])
    assert again.exit_code == 0 and "left as it is" in again.stdout
    assert runner.invoke(app, ["--db", url, "history", "TEE-BLA-M", "--json"]).stdout == before
    rows = json.loads(runner.invoke(app, ["--db", url, "stock", "--json"]).stdout)
    locations = {row["location"] for row in rows}
    assert {"DROP-ACME", "SHOP-LDN"} <= locations
    assert any(row["lots"] for row in rows)  # lots with expiry dates
    refused = runner.invoke(app, ["--db", url, "demo"])
    assert refused.exit_code == 1
