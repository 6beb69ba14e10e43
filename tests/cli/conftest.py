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
def cli_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The database the CLI tests use: a fresh SQLite file, or this run's PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('cli') / 'truecount.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url


def merchant_cli(url: str) -> Cli:
    """A ``truecount`` runner acting for a brand-new merchant of ``url`` (initialised)."""
    merchant = f"cli-{uuid.uuid4().hex[:10]}"
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(app, ["--db", url, "--merchant", merchant, *args])

    assert run("init").exit_code == 0
    return run


@pytest.fixture
def cli(cli_url: str) -> Cli:
    """``cli("receive", "SKU", "3", "--at", "WH1")`` runs a command for a brand-new merchant."""
    return merchant_cli(cli_url)


@pytest.fixture
def other_cli(cli_url: str) -> Cli:
    """A second brand-new merchant in the same database (a clean slate to import into)."""
    return merchant_cli(cli_url)
