"""An idle runner in the process that queued a push wakes at once (``truecount serve`` runs its
worker in-process), instead of at its next poll; the wake-up fires only for committed pushes."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests import factories as f
from tests.sync.conftest import channel_config, state, wait_for
from truecount.adapters.db.engine import Database, after_commit
from truecount.domain.commands import CreateChannel
from truecount.emulators.runner import RunningEmulator
from truecount.services.channels.setup import create_channel
from truecount.services.common.scope import Scope
from truecount.services.offers.listings import add_listing
from truecount.services.sync.push_queue import NUDGE
from truecount.services.sync.worker import WorkerOptions, start_in_background


def test_after_commit_hooks_run_once_after_a_commit_and_never_after_a_rollback(db: Database) -> None:
    ran: list[str] = []
    with db.write() as conn:
        conn.execute(text("SELECT 1"))
        for _ in range(3):
            after_commit(conn, lambda: ran.append("committed"))
        hook = lambda: ran.append("once")  # noqa: E731
        after_commit(conn, hook)
        after_commit(conn, hook)
        assert ran == []
    assert ran == ["committed"] * 3 + ["once"]
    with pytest.raises(RuntimeError), db.write() as conn:
        after_commit(conn, lambda: ran.append("rolled back"))
        raise RuntimeError("roll back")
    with db.write() as conn:  # the same pooled connection carries no hook over
        conn.execute(text("SELECT 1"))
    assert ran == ["committed"] * 3 + ["once"]


def test_a_sale_reaches_an_idle_channel_long_before_the_workers_next_poll(
    db: Database, scope: Scope, emu: dict[str, RunningEmulator]
) -> None:
    f.location(db, scope, "WH1")
    f.variant(db, scope, "MUG")
    f.receive(db, scope, "MUG", 10, "WH1")
    config = channel_config("woocommerce", emu["woocommerce"].url)
    create_channel(db, scope, CreateChannel("woo", "woocommerce", ["WH1"], config=config))
    add_listing(db, scope, "woo", "MUG", "55")
    options = WorkerOptions(poll_interval_s=60.0, lease_s=5.0, channel_refresh_s=0.1, merchant_id=scope.merchant_id)
    stop = start_in_background(db, options)
    try:
        assert wait_for(lambda: state(emu["woocommerce"])["listings"] == {"55": 10}, 10)
        generation = NUDGE.generation()
        # The runner is idle now, waiting up to 60 s; the sale's commit wakes it.
        assert wait_for(lambda: _idle(db, scope), 5)
        f.move(db, scope, "adjust", "MUG", "WH1", -1, reason="sale")
        assert NUDGE.generation() > generation
        assert wait_for(lambda: state(emu["woocommerce"])["listings"] == {"55": 9}, 10)
    finally:
        stop()


def _idle(db: Database, scope: Scope) -> bool:
    with db.read() as conn:
        depth = conn.execute(
            text("SELECT count(*) FROM push_queue WHERE merchant_id = :m"), {"m": scope.merchant_id}
        ).scalar_one()
    return int(depth) == 0
