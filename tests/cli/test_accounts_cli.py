"""``truecount users`` and ``truecount tokens``: the token printed on the last line works over HTTP until revoked."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from click.testing import Result
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from truecount.adapters.db.engine import Database
from truecount.entrypoints.api.app import create_app
from truecount.entrypoints.cli.main import app
from truecount.settings import Settings

Cli = Callable[..., Result]


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('cli') / 'truecount.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def cli(db_url: str) -> Cli:
    merchant = f"cli-{uuid.uuid4().hex[:10]}"
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(app, ["--db", db_url, "--merchant", merchant, *args])

    assert run("init").exit_code == 0
    return run


def test_a_user_is_added_and_a_bad_role_or_short_password_is_refused(cli: Cli) -> None:
    added = cli("users", "add", "ann", "--role", "staff", "--password", "password-1")
    assert added.exit_code == 0 and "user ann (staff) created" in added.output
    again = cli("users", "add", "ann", "--role", "staff", "--password", "password-1", "--if-missing")
    assert again.exit_code == 0 and "exists already" in again.output
    assert cli("users", "add", "ann", "--role", "staff", "--password", "password-1").exit_code == 1
    bad_role = cli("users", "add", "bob", "--role", "owner", "--password", "password-1")
    assert bad_role.exit_code == 1 and "role" in bad_role.output
    short = cli("users", "add", "bob", "--role", "viewer", "--password", "short")
    assert short.exit_code == 1 and "password" in short.output
    assert "ann  staff" in cli("users", "list").output


def test_the_token_on_the_last_line_opens_the_api_until_it_is_revoked(cli: Cli, db_url: str) -> None:
    assert cli("users", "add", "ann", "--role", "viewer", "--password", "password-1").exit_code == 0
    created = cli("tokens", "create", "--user", "ann")
    assert created.exit_code == 0
    token = created.stdout.strip().splitlines()[-1]
    assert token.startswith("tc_")
    url = db_url
    db = Database(url)
    try:
        client = TestClient(create_app(Settings(database_url=url), db))
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200 and me.json()["name"] == "ann"
        prefix = token.split("_", 2)[2][:12]
        assert prefix in cli("tokens", "list").output
        assert cli("tokens", "revoke", prefix).exit_code == 0
        assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
        assert cli("tokens", "revoke", "nope").exit_code == 1
        assert cli("tokens", "create", "--user", "nobody").exit_code == 1
    finally:
        db.dispose()
