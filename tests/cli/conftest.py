"""Drive the real ``truecount`` command line in-process, on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from click.testing import Result
from typer.testing import CliRunner

from truecount.entrypoints.cli.main import app

Cli = Callable[..., Result]


@pytest.fixture(params=["sqlite", "postgresql"])
def cli(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Cli:
    """``cli("receive", "SKU", "3", "--at", "WH1")`` runs a command for a brand-new merchant."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('cli') / 'truecount.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    merchant = f"cli-{uuid.uuid4().hex[:10]}"
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(app, ["--db", url, "--merchant", merchant, *args])

    assert run("init").exit_code == 0
    return run
