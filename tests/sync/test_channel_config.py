"""Connecting a channel that exists without a connection (as the demo's do): the worker starts pushing
to it without a restart, and stops when the connection is removed."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests import factories as f
from tests.sync.conftest import credentials, state, wait_for
from truecount.adapters.db.engine import Database
from truecount.domain.commands import CreateChannel
from truecount.domain.errors import InvalidInput, NotFound
from truecount.emulators.runner import RunningEmulator
from truecount.services.channels.config import configure_channel
from truecount.services.channels.secrets import open_config
from truecount.services.channels.setup import create_channel, load_channel
from truecount.services.common.scope import Scope
from truecount.services.offers.listings import add_listing
from truecount.services.sync.status import sync_status
from truecount.services.sync.worker import WorkerOptions, start_in_background


@pytest.fixture
def worker(db: Database, scope: Scope) -> Iterator[None]:
    options = WorkerOptions(poll_interval_s=0.05, lease_s=5.0, channel_refresh_s=0.05, merchant_id=scope.merchant_id)
    stop = start_in_background(db, options)
    yield
    stop()


def _shown(emulator: RunningEmulator, ref: str) -> object:
    listings = state(emulator)["listings"]
    assert isinstance(listings, dict)
    return listings.get(ref)


def test_a_channel_connected_while_the_worker_runs_gets_what_waited_in_the_queue(
    db: Database, scope: Scope, emu: dict[str, RunningEmulator], worker: None
) -> None:
    f.location(db, scope, "WH1")
    f.variant(db, scope, "MUG")
    f.receive(db, scope, "MUG", 6, "WH1")
    create_channel(db, scope, CreateChannel("ebay", "ebay", ["WH1"]))  # no base_url: not connected
    add_listing(db, scope, "ebay", "MUG", "MUG")
    [row] = sync_status(db, scope)
    assert row.queue_depth == 1  # waiting, not lost
    secrets = credentials("ebay", emu["ebay"].url)
    shown = configure_channel(db, scope, "ebay", {"base_url": emu["ebay"].url, **secrets})
    assert shown.connected is True
    assert (shown.config["refresh_token"], shown.config["client_secret"]) == ("****", "****")
    assert wait_for(lambda: _shown(emu["ebay"], "MUG") == 6, 15), state(emu["ebay"])
    assert wait_for(lambda: sync_status(db, scope)[0].queue_depth == 0, 15)
    off = configure_channel(db, scope, "ebay", {"base_url": None})
    assert off.connected is False and "base_url" not in off.config
    with db.read() as conn:
        stored = load_channel(conn, scope.merchant_id, "ebay").config
    assert open_config(stored) == secrets
    assert all(value not in json.dumps(stored) for name, value in secrets.items() if name != "client_id")


def test_bad_settings_are_refused_naming_the_setting_and_nothing_changes(db: Database, scope: Scope) -> None:
    f.location(db, scope, "WH1")
    create_channel(db, scope, CreateChannel("shop", "shopify", ["WH1"], config={"location_id": "7"}))
    for changes, where in (
        ({"base_url": "ftp://example.com"}, "config.base_url"),
        ({"base_url": "127.0.0.1:8101"}, "config.base_url"),
        ({"timeout_s": -1}, "config.timeout_s"),
        ({"reconcile_interval_s": "often"}, "config.reconcile_interval_s"),
        ({"access_token": 5}, "config.access_token"),
        ({"bad key!": 1}, "config.bad key!"),
        ({}, "config"),
    ):
        with pytest.raises(InvalidInput) as refused:
            configure_channel(db, scope, "shop", changes)
        assert refused.value.field == where, changes
    with pytest.raises(NotFound) as missing:
        configure_channel(db, scope, "nope", {"timeout_s": 5})
    assert missing.value.field == "channel"
    with db.read() as conn:
        assert load_channel(conn, scope.merchant_id, "shop").config == {"location_id": "7"}
