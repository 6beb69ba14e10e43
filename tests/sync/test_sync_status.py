"""Sync status tells the truth: not connected, in step, failing, paused; drift only when a read-back found it."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from tests import factories as f
from tests.api_factories import client_for
from tests.sync.conftest import channel_config, wait_for
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import merchants
from truecount.domain.commands import CreateChannel
from truecount.emulators.runner import RunningEmulator
from truecount.entrypoints.api.app import create_app
from truecount.entrypoints.cli.main import app as cli_app
from truecount.services.channels.config import configure_channel
from truecount.services.channels.setup import create_channel, load_channel
from truecount.services.common.scope import Scope
from truecount.services.offers.listings import add_listing
from truecount.services.sync import state as sync_state
from truecount.services.sync.reconcile import reconcile
from truecount.services.sync.status import SyncStatus, sync_status
from truecount.services.sync.worker import WorkerOptions, start_in_background
from truecount.settings import Settings


@pytest.fixture
def worker(db: Database, scope: Scope) -> Iterator[None]:
    options = WorkerOptions(poll_interval_s=0.05, lease_s=5.0, channel_refresh_s=0.05, merchant_id=scope.merchant_id)
    stop = start_in_background(db, options)
    yield
    stop()


def one(db: Database, scope: Scope) -> SyncStatus:
    [row] = sync_status(db, scope)
    return row


def mug_on_ebay(db: Database, scope: Scope, config: dict[str, object] | None = None) -> None:
    f.location(db, scope, "WH1")
    f.variant(db, scope, "MUG")
    f.receive(db, scope, "MUG", 10, "WH1")
    create_channel(db, scope, CreateChannel("ebay", "ebay", ["WH1"], config=config or {}))
    add_listing(db, scope, "ebay", "MUG", "MUG")


def test_a_channel_that_is_not_connected_is_never_called_in_step(db: Database, scope: Scope) -> None:
    mug_on_ebay(db, scope)
    row = one(db, scope)
    assert (row.state, row.connected, row.queue_depth) == ("not_connected", False, 1)
    assert "not connected" in str(row.summary) and "1 push wait" in str(row.summary)


def test_a_connected_channel_that_pushed_everything_is_in_step(
    db: Database, scope: Scope, emu: dict[str, RunningEmulator], worker: None
) -> None:
    mug_on_ebay(db, scope, channel_config("ebay", emu["ebay"].url))
    assert wait_for(lambda: one(db, scope).queue_depth == 0, 15)
    row = one(db, scope)
    assert (row.state, row.summary, row.drift) == ("in_step", "in step", 0)


def test_after_a_reconcile_the_next_push_shows_no_drift_and_no_heal_agrees(
    db: Database, scope: Scope, emu: dict[str, RunningEmulator], worker: None
) -> None:
    mug_on_ebay(db, scope, channel_config("ebay", emu["ebay"].url))
    assert wait_for(lambda: one(db, scope).queue_depth == 0 and one(db, scope).last_success_at is not None, 15)
    httpx.put(emu["ebay"].url + "/_emulator/listings/MUG", json={"quantity": 99}).raise_for_status()
    assert len(reconcile(db, scope, "ebay", heal=False)[0].drift) == 1
    assert one(db, scope).drift == 1  # a read-back found it
    reconcile(db, scope, "ebay")  # heals: pushes 10 again
    f.receive(db, scope, "MUG", 1, "WH1")  # the next push: 11
    assert wait_for(lambda: one(db, scope).queue_depth == 0, 15)
    assert reconcile(db, scope, "ebay", heal=False)[0].drift == []
    assert one(db, scope).drift == 0
    f.receive(db, scope, "MUG", 1, "WH1")  # pushed after the last read-back: not drift either
    assert wait_for(lambda: one(db, scope).queue_depth == 0, 15)
    assert one(db, scope).drift == 0


def test_a_channel_that_cannot_be_reached_is_failing_with_the_error_in_words(
    db: Database, scope: Scope, worker: None
) -> None:
    mug_on_ebay(db, scope, channel_config("ebay", "http://127.0.0.1:9", timeout_s=0.5))
    assert wait_for(lambda: one(db, scope).state == "failing", 30), one(db, scope)
    row = one(db, scope)
    assert str(row.summary).startswith("failing: the channel cannot be reached")
    assert row.queue_depth == 1


def test_refused_credentials_show_as_paused_and_the_page_the_cli_and_the_api_say_the_same(
    db: Database, scope: Scope
) -> None:
    mug_on_ebay(db, scope)
    configure_channel(db, scope, "ebay", {"base_url": "http://127.0.0.1:9"})
    with db.read() as conn:
        channel_id = load_channel(conn, scope.merchant_id, "ebay").id
    sync_state.failed(db, scope.merchant_id, channel_id, "POST http://127.0.0.1:9/sell: HTTP 401 Unauthorized")
    assert one(db, scope).state == "failing"  # an error's text does not pause the channel
    refusal = "eBay token refresh refused: invalid_grant"
    sync_state.credentials_failed(db, scope.merchant_id, channel_id, refusal, "fingerprint-1")
    row = one(db, scope)
    assert (row.state, row.paused, row.credentials_error) == ("paused", True, refusal)
    said = f"paused: the channel refused the credentials ({refusal}); change the credentials to resume (1 push queued)"
    assert row.summary == said
    app = create_app(Settings(database_url=db.url, secret_key="test-secret"), db)
    client = client_for(app, db, scope, "viewer")
    body = client.get("/api/v1/sync/status").json()
    assert [(r["channel"], r["state"], r["summary"]) for r in body] == [("ebay", "paused", row.summary)]
    page = client.get("/channels").text
    assert 'data-state="paused"' in page and "paused (credentials)" in page and refusal in page
    with db.read() as conn:
        code = conn.execute(select(merchants.c.code).where(merchants.c.id == scope.merchant_id)).scalar_one()
    cli = CliRunner().invoke(cli_app, ["--db", db.url, "--merchant", code, "sync", "status", "--json"])
    assert cli.exit_code == 0, cli.output
    assert [(r["state"], r["summary"]) for r in json.loads(cli.output)] == [("paused", row.summary)]
    sync_state.resume(db, scope.merchant_id, channel_id)  # new credentials
    assert one(db, scope).state != "paused"
