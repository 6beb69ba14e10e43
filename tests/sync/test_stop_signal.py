"""A stop signal ends ``truecount worker`` and ``truecount serve`` within 5 s, even while a runner waits
for a rate bucket that refills in minutes (before, every wait slept on regardless of the stop).

Each process gets a database of its own (a fresh SQLite file): ``serve`` runs the worker for every
merchant, and the session database holds every other test's channels. What is tested is the process
and its threads, not storage."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from tests import factories as f
from tests.sync.conftest import channel_config, state, wait_for
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import merchants
from truecount.domain.commands import CreateChannel
from truecount.emulators.runner import RunningEmulator, free_port, start
from truecount.services.bootstrap import init_database, merchant_scope, open_database
from truecount.services.channels.setup import create_channel
from truecount.services.common.scope import Scope
from truecount.services.offers.listings import add_listing


@pytest.fixture
def amazon(emu: dict[str, RunningEmulator]) -> Iterator[RunningEmulator]:
    """An Amazon that allows one push and one order search per 100 s (and says so in its headers)."""
    emulator = start("amazon", rates={"patchListingsItem": (0.01, 1), "searchOrders": (0.01, 1)}, apply_delay_s=0)
    yield emulator
    emulator.stop()


def slow_amazon(db: Database, scope: Scope, amazon: RunningEmulator) -> str:
    """Two listings on that Amazon: the second push waits for its bucket, and the order poller for its
    own. Returns the merchant's code."""
    f.location(db, scope, "WH1")
    for sku in ("MUG", "CUP"):
        f.variant(db, scope, sku)
        f.receive(db, scope, sku, 5, "WH1")
    limits = {"patchListingsItem": [0.01, 1], "searchOrders": [0.01, 1]}
    config = channel_config("amazon", amazon.url, rate_limits=limits, use_feeds=False, order_poll_s=0.1)
    create_channel(db, scope, CreateChannel("amazon", "amazon", ["WH1"], config=config))
    for sku in ("MUG", "CUP"):
        add_listing(db, scope, "amazon", sku, sku)
    with db.read() as conn:
        return str(conn.execute(select(merchants.c.code).where(merchants.c.id == scope.merchant_id)).scalar_one())


@pytest.mark.parametrize("command", ["worker", "serve"])
def test_a_stop_signal_ends_the_process_within_5_s_while_it_waits_for_a_rate_bucket(
    amazon: RunningEmulator, tmp_path: Path, command: str
) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'truecount.db'}")
    init_database(db, "stop")
    scope = merchant_scope(db, "stop", "test")
    merchant = slow_amazon(db, scope, amazon)
    args = [str(Path(sys.executable).parent / "truecount"), "--db", db.url, "--merchant", merchant, command]
    if command == "serve":
        args += ["--port", str(free_port())]
    env = {**os.environ, "TRUECOUNT_WORKER_POLL_INTERVAL_S": "0.05"}
    log = tmp_path / "out.log"
    with log.open("w") as out:
        process = subprocess.Popen(args, cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            # one listing pushed: the other now waits ~100 s for the bucket, and the poller for its own
            assert wait_for(lambda: len(state(amazon)["writes"]) == 1, 30), log.read_text()[-2000:]  # type: ignore[arg-type]
            process.send_signal(signal.SIGTERM)
            began = time.monotonic()
            process.wait(timeout=5)  # raises TimeoutExpired past 5 s
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    took = time.monotonic() - began
    assert took < 5
    assert "Traceback" not in log.read_text(), log.read_text()[-3000:]
