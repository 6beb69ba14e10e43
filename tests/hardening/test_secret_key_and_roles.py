"""``init`` stores a random secret key (0600); ``serve`` refuses the default key off loopback; channel
rules are the admin's."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests import factories as f
from tests import offer_factories as of
from tests.api_factories import assert_error
from truecount.adapters.db.engine import Database
from truecount.domain.errors import InvalidInput
from truecount.entrypoints.cli.main import app as cli_app
from truecount.entrypoints.secret_key import stored_key, with_secret_key
from truecount.services.common.scope import Scope
from truecount.settings import DEFAULT_SECRET_KEY, Settings, get_settings


def test_init_stores_a_random_key_readable_by_the_owner_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRUECOUNT_SECRET_KEY", raising=False)
    monkeypatch.delenv("TRUECOUNT_SECRET_KEY_FILE", raising=False)  # the default: truecount.secret here
    get_settings.cache_clear()  # settings read before, with the run's key file, are not these
    try:
        result = CliRunner().invoke(cli_app, ["--db", f"sqlite:///{tmp_path / 't.db'}", "init"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    key_file = tmp_path / "truecount.secret"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text().strip()
    assert len(key) >= 48 and key != DEFAULT_SECRET_KEY
    assert stored_key(str(key_file)) == key  # kept, not regenerated


def test_serve_signs_with_the_stored_key_and_refuses_the_default_off_loopback(tmp_path: Path) -> None:
    stored = Settings(secret_key_file=str(tmp_path / "k"))
    assert with_secret_key(stored, "0.0.0.0").secret_key == (tmp_path / "k").read_text().strip()
    no_file = Settings(secret_key_file="")
    assert with_secret_key(no_file, "127.0.0.1").secret_key == DEFAULT_SECRET_KEY  # `make run` on loopback
    with pytest.raises(InvalidInput) as refused:
        with_secret_key(no_file, "0.0.0.0")
    assert refused.value.field == "secret_key"
    assert with_secret_key(Settings(secret_key="a-real-key", secret_key_file=""), "::").secret_key == "a-real-key"


def test_serve_off_loopback_with_the_default_key_exits_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRUECOUNT_SECRET_KEY_FILE", "")
    monkeypatch.delenv("TRUECOUNT_SECRET_KEY", raising=False)
    from truecount.settings import get_settings

    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(
            cli_app, ["--db", f"sqlite:///{tmp_path / 't.db'}", "serve", "--host", "0.0.0.0", "--port", "1"]
        )
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1 and "secret_key" in result.output, result.output


def test_channel_rules_are_set_and_cleared_by_admins_only(
    client_as: object, api: TestClient, db: Database, scope: Scope
) -> None:
    f.location(db, scope, "WH1")
    f.variant(db, scope, "S2")
    of.channel(db, scope, "web", ["WH1"])
    staff = client_as("staff")  # type: ignore[operator]
    rule = {"kind": "fixed", "quantity": 1000000}
    assert_error(staff.put("/api/v1/channels/web/rules/S2", json=rule), 403, "forbidden", field="role")
    assert_error(staff.delete("/api/v1/channels/web/rules/S2"), 403, "forbidden", field="role")
    assert api.put("/api/v1/channels/web/rules/S2", json=rule).status_code == 200
    assert api.delete("/api/v1/channels/web/rules/S2").status_code == 204
