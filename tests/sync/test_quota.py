"""Rate limits as Amazon publishes them, with the real worker: order polling and pushes never wait for
each other, and a connector rebuilt mid-run (``channel configure``) does not start with a full bucket —
the buckets live in the database, shared by every connector of the channel."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests import factories as f
from tests.sync.conftest import channel_config, state, wait_for
from truecount.adapters.db.engine import Database
from truecount.domain.commands import CreateChannel, PostMovement
from truecount.emulators.runner import RunningEmulator, start
from truecount.services.channels.config import configure_channel
from truecount.services.channels.setup import create_channel
from truecount.services.common.scope import Scope
from truecount.services.offers.listings import add_listing
from truecount.services.stock.movements import post_movement
from truecount.services.sync.worker import WorkerOptions, start_in_background


@pytest.fixture(scope="module")
def amazon() -> Iterator[RunningEmulator]:
    """Amazon with its published default rates (patchListingsItem 5/s burst 5, searchOrders 0.0056/s burst 20)."""
    emulator = start("amazon", apply_delay_s=0.0, token_lifetime_s=3.0)
    yield emulator
    emulator.stop()


@pytest.fixture
def fresh(amazon: RunningEmulator, emu: dict[str, RunningEmulator]) -> RunningEmulator:
    httpx.post(amazon.url + "/_emulator/reset").raise_for_status()
    return amazon


@pytest.fixture
def worker(db: Database, scope: Scope) -> Iterator[None]:
    options = WorkerOptions(poll_interval_s=0.05, lease_s=10.0, channel_refresh_s=0.05, merchant_id=scope.merchant_id)
    stop = start_in_background(db, options)
    yield
    stop()


def published(url: str, **extra: Any) -> dict[str, Any]:
    """The channel's settings with Amazon's published rates (none of the test suite's fast ones)."""
    config = channel_config("amazon", url, use_feeds=False, **extra)
    del config["rate_limits"]
    return config


def operations(amazon: RunningEmulator, op: str) -> int:
    return int(state(amazon)["operations"].get(op, 0))  # type: ignore[attr-defined]


def test_with_the_order_burst_spent_a_stock_change_still_reaches_amazon_within_seconds(
    db: Database, scope: Scope, fresh: RunningEmulator, worker: None
) -> None:
    f.location(db, scope, "WH1")
    f.variant(db, scope, "MUG")
    f.receive(db, scope, "MUG", 10, "WH1")
    config = published(fresh.url, order_poll_s=0.05)  # polls as fast as it may: it spends its burst at once
    create_channel(db, scope, CreateChannel("amazon", "amazon", ["WH1"], config=config))
    add_listing(db, scope, "amazon", "MUG", "MUG")
    assert wait_for(lambda: state(fresh)["listings"].get("MUG") == 10, 10)  # type: ignore[attr-defined]
    # the burst of 20 less one for safety: the next poll waits about three minutes for a token
    assert wait_for(lambda: operations(fresh, "searchOrders") >= 19, 20), state(fresh)["operations"]
    post_movement(db, scope, PostMovement("receive", "MUG", "WH1", 5))
    assert wait_for(lambda: state(fresh)["listings"].get("MUG") == 15, 3)  # type: ignore[attr-defined]
    assert state(fresh)["violations"] == {}


def test_a_channel_configured_mid_run_causes_no_429(
    db: Database, scope: Scope, fresh: RunningEmulator, worker: None
) -> None:
    f.location(db, scope, "WH1")
    skus = [f"MUG-{n}" for n in range(20)]
    for sku in skus:
        f.variant(db, scope, sku)
        f.receive(db, scope, sku, 3, "WH1")
    create_channel(db, scope, CreateChannel("amazon", "amazon", ["WH1"], config=published(fresh.url)))
    for sku in skus:
        add_listing(db, scope, "amazon", sku, sku)  # 20 pushes: four seconds at 5 a second

    def landed() -> int:
        return len(state(fresh)["listings"])  # type: ignore[arg-type]

    assert wait_for(lambda: landed() >= 5, 10)
    configure_channel(db, scope, "amazon", {"timeout_s": 3})  # the worker rebuilds the connector
    assert wait_for(lambda: landed() >= 10, 10)
    configure_channel(db, scope, "amazon", {"timeout_s": 4})  # and again
    assert wait_for(lambda: landed() == 20, 20), landed()
    assert state(fresh)["violations"] == {}  # before: each rebuilt connector started with a full bucket
