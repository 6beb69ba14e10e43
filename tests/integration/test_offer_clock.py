"""Offers that change with the date alone (a lot expires, a release date arrives) are recomputed and pushed."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy import select, update

from tests import factories as f
from tests import offer_factories as o
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import lots, variants
from truecount.adapters.db.tables.sync import push_queue
from truecount.entrypoints.worker import start_offer_clock
from truecount.services.common.scope import Scope
from truecount.services.offers import clock as offer_clock


def pushes(db: Database, scope: Scope) -> list[tuple[int, int]]:
    with db.read() as conn:
        rows = conn.execute(
            select(push_queue.c.quantity, push_queue.c.version).where(push_queue.c.merchant_id == scope.merchant_id)
        )
        return sorted((int(q), int(v)) for q, v in rows)


def test_a_lot_that_expired_overnight_leaves_the_offer_and_is_pushed_once(db: Database, scope: Scope) -> None:
    today = date.today()
    f.location(db, scope, "WH")
    f.variant(db, scope, "MILK")
    f.variant(db, scope, "CHEESE")
    f.receive(db, scope, "MILK", 5, "WH")
    f.receive(db, scope, "MILK", 8, "WH", lot="L1", expires_on=today + timedelta(days=30))
    f.receive(db, scope, "CHEESE", 4, "WH", lot="C1", expires_on=today + timedelta(days=30))
    o.channel(db, scope, "shop", ["WH"], kind="ebay")
    o.listing(db, scope, "shop", "MILK", "MILK")
    o.listing(db, scope, "shop", "CHEESE", "CHEESE")
    assert o.stored(db, scope) == {("shop", "MILK"): 13, ("shop", "CHEESE"): 4}
    with db.write() as conn:  # the calendar moves on: L1's date is now behind us
        conn.execute(
            update(lots)
            .where(lots.c.merchant_id == scope.merchant_id, lots.c.code == "L1")
            .values(expires_on=today - timedelta(days=1))
        )
    before = pushes(db, scope)

    first = offer_clock.recompute_dated(db, scope.merchant_id, today)
    again = offer_clock.recompute_dated(db, scope.merchant_id, today)

    assert o.stored(db, scope) == {("shop", "MILK"): 5, ("shop", "CHEESE"): 4}
    assert (first["variants"], first["changed"], again["changed"]) == (1, 1, 0)
    assert pushes(db, scope) == sorted([(4, 1), (5, 2)]) and before == sorted([(4, 1), (13, 1)])


def test_a_release_date_that_arrives_opens_the_offer(db: Database, scope: Scope) -> None:
    today = date.today()
    f.location(db, scope, "WH")
    f.variant(db, scope, "GAME", sellable_from=today + timedelta(days=3))
    f.receive(db, scope, "GAME", 12, "WH")
    o.channel(db, scope, "shop", ["WH"])
    o.listing(db, scope, "shop", "GAME")
    assert o.stored(db, scope) == {("shop", "GAME"): 0}
    with db.write() as conn:  # three days later
        conn.execute(update(variants).where(variants.c.merchant_id == scope.merchant_id).values(sellable_from=today))

    stats = offer_clock.recompute_dated(db, scope.merchant_id, today)

    assert o.stored(db, scope) == {("shop", "GAME"): 12} and stats["changed"] == 1


def test_the_clock_visits_every_merchant(db: Database, fresh_scope: Callable[[], Scope]) -> None:
    today = date.today()
    stale = []
    for _ in range(2):
        scope = fresh_scope()
        f.location(db, scope, "WH")
        f.variant(db, scope, "GAME", sellable_from=today + timedelta(days=3))
        f.receive(db, scope, "GAME", 6, "WH")
        o.channel(db, scope, "shop", ["WH"])
        o.listing(db, scope, "shop", "GAME")
        with db.write() as conn:
            conn.execute(
                update(variants).where(variants.c.merchant_id == scope.merchant_id).values(sellable_from=today)
            )
        stale.append(scope)

    totals = offer_clock.run_due(db, today)

    assert [o.stored(db, scope) for scope in stale] == [{("shop", "GAME"): 6}] * 2
    assert totals.merchants >= 2 and totals.changed >= 2


def test_the_worker_runs_the_clock_until_stopped(db: Database, scope: Scope) -> None:
    today = date.today()
    f.location(db, scope, "WH")
    f.variant(db, scope, "GAME", sellable_from=today + timedelta(days=3))
    f.receive(db, scope, "GAME", 9, "WH")
    o.channel(db, scope, "shop", ["WH"])
    o.listing(db, scope, "shop", "GAME")
    with db.write() as conn:
        conn.execute(update(variants).where(variants.c.merchant_id == scope.merchant_id).values(sellable_from=today))

    halt = start_offer_clock(db, interval_s=0.05)
    try:
        deadline = time.monotonic() + 20
        while o.stored(db, scope) != {("shop", "GAME"): 9} and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        halt()
    assert o.stored(db, scope) == {("shop", "GAME"): 9}
