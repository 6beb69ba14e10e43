"""Reconciliation on a schedule (channel config ``reconcile_interval_s``): the running worker reads every
listing back and heals drift made directly on a channel, with no ``truecount reconcile`` call — real
listings, stock and orders, against the emulators."""

from __future__ import annotations

from datetime import datetime

import httpx
from sqlalchemy import select

from tests import factories as f
from tests.sync.conftest import channel_config, state, wait_for
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.sync import channel_sync
from truecount.domain.commands import CreateChannel
from truecount.emulators.runner import RunningEmulator
from truecount.services.channels.setup import create_channel
from truecount.services.common.scope import Scope
from truecount.services.offers.listings import add_listing
from truecount.services.stock.levels import stock
from truecount.services.sync.worker import WorkerOptions, start_in_background

REFS = {"shopify": "101@7", "amazon": "MUG", "ebay": "MUG", "woocommerce": "55"}
RECONCILING = ("shopify", "amazon", "ebay")  # woocommerce keeps the default: no scheduled reconcile


def _shop(db: Database, scope: Scope, emu: dict[str, RunningEmulator], **ebay: float) -> None:
    f.location(db, scope, "WH1")
    f.variant(db, scope, "MUG")
    f.receive(db, scope, "MUG", 10, "WH1")
    for kind, ref in REFS.items():
        extra = {"reconcile_interval_s": 0.3} if kind in RECONCILING else {}
        config = channel_config(kind, emu[kind].url, **extra, **(ebay if kind == "ebay" else {}))
        create_channel(db, scope, CreateChannel(kind, kind, ["WH1"], config=config))
        add_listing(db, scope, kind, "MUG", ref)


def _shown(emu: dict[str, RunningEmulator]) -> dict[str, object]:
    return {kind: state(emu[kind])["listings"].get(ref) for kind, ref in REFS.items()}  # type: ignore[attr-defined]


def _reconciled_at(db: Database, scope: Scope) -> dict[int, datetime | None]:
    with db.read() as conn:
        rows = conn.execute(
            select(channel_sync.c.channel_id, channel_sync.c.last_reconcile_at).where(
                channel_sync.c.merchant_id == scope.merchant_id
            )
        )
        return {int(channel_id): at for channel_id, at in rows}


def _another_round(db: Database, scope: Scope) -> bool:
    """Wait until every channel that has reconciled has reconciled once more."""
    before = {channel: at for channel, at in _reconciled_at(db, scope).items() if at is not None}
    assert len(before) == len(RECONCILING)
    return wait_for(
        lambda: all(at is not None and at > before[c] for c, at in _reconciled_at(db, scope).items() if c in before), 15
    )


def _worker(scope: Scope) -> WorkerOptions:
    return WorkerOptions(poll_interval_s=0.05, lease_s=5.0, channel_refresh_s=0.1, merchant_id=scope.merchant_id)


def test_the_worker_heals_drift_on_its_schedule_and_only_where_it_is_asked_to(
    db: Database, scope: Scope, emu: dict[str, RunningEmulator]
) -> None:
    _shop(db, scope, emu)
    stop = start_in_background(db, _worker(scope))
    try:
        assert wait_for(lambda: set(_shown(emu).values()) == {10}, 15), _shown(emu)
        for kind, ref in REFS.items():  # a merchant edits every channel by hand
            edit = httpx.put(f"{emu[kind].url}/_emulator/listings/{ref}", json={"quantity": 99})
            assert edit.json()["quantity"] == 99

        healed = lambda: all(_shown(emu)[kind] == 10 for kind in RECONCILING)  # noqa: E731
        assert wait_for(healed, 15), _shown(emu)
        # Two more scheduled rounds pass on the reconciling channels; the other keeps its drift.
        for _ in range(2):
            assert _another_round(db, scope)
        assert _shown(emu) == {**dict.fromkeys(REFS, 10), "woocommerce": 99}
    finally:
        stop()
    [level] = stock(db, scope, "MUG")
    assert (level.on_hand, level.booked, level.available) == (10, 0, 10)


def test_a_sale_not_yet_polled_is_booked_before_the_scheduled_reconcile_heals(
    db: Database, scope: Scope, emu: dict[str, RunningEmulator]
) -> None:
    # eBay's orders are polled once an hour; its reconcile runs every 0.3 s. A sale on eBay first looks
    # like drift (eBay shows 8, 10 was pushed): the reconcile must book it, not push 10 back over it.
    _shop(db, scope, emu, order_poll_s=3600)
    stop = start_in_background(db, _worker(scope))
    try:
        assert wait_for(lambda: set(_shown(emu).values()) == {10}, 15), _shown(emu)
        lines = [{"ref": "MUG", "quantity": 2}]
        httpx.post(emu["ebay"].url + "/_emulator/orders", json={"lines": lines}).raise_for_status()
        assert wait_for(lambda: set(_shown(emu).values()) == {8}, 15), _shown(emu)
    finally:
        stop()
    [level] = stock(db, scope, "MUG")
    assert (level.on_hand, level.booked, level.available) == (10, 2, 8)
    assert state(emu["ebay"])["writes"] == {"MUG": 2}  # 10, then 8: never 10 pushed back over the sale
