"""Concurrency on SQLite and PostgreSQL: many clients at once never oversell, never deadlock, never double-book."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from tests import factories as f
from tests import order_factories as o
from truecount.adapters.db.engine import Database
from truecount.domain.commands import OrderLineSpec, PlaceOrder
from truecount.domain.errors import InsufficientStock, TruecountError
from truecount.services.common import retry
from truecount.services.common.scope import Scope
from truecount.services.orders.place import place_orders
from truecount.services.orders.results import Order
from truecount.services.orders.views import list_orders
from truecount.services.stock import levels as stock_service
from truecount.services.stock.verify import verify

CLIENTS = 16
STOCK = 9  # per level in the batch test: far less than the batches ask for, so most fall back order by order


def run_together(count: int, act: Callable[[int], Any]) -> list[Any]:
    """Start ``count`` clients at the same instant (a barrier, no sleeps); return each result or exception."""
    barrier = threading.Barrier(count)

    def client(i: int) -> Any:
        barrier.wait()
        try:
            return act(i)
        except Exception as error:  # collected and asserted on by the caller
            return error

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(client, range(count)))


def totals(db: Database, scope: Scope, sku: str) -> tuple[int, int]:
    rows = stock_service.stock(db, scope, sku)
    return sum(r.on_hand for r in rows), sum(r.booked for r in rows)


def test_sixteen_clients_reserving_one_hot_variant_get_exactly_the_units_there_are(db: Database, scope: Scope) -> None:
    o.shop(db, scope)
    units = 5
    f.receive(db, scope, "TEE", units, "WH1")
    results = run_together(CLIENTS, lambda i: o.order(db, scope, f"till-{i}", ("TEE", 1), strict=True))
    booked = [r for r in results if isinstance(r, Order)]
    refused = [r for r in results if isinstance(r, InsufficientStock)]
    assert len(booked) == units and len(refused) == CLIENTS - units, results
    assert totals(db, scope, "TEE") == (units, units)
    assert verify(db, scope) == []


def test_multi_line_orders_over_overlapping_variants_never_deadlock_or_oversell(db: Database, scope: Scope) -> None:
    skus = ["A", "B", "C", "D"]
    o.shop(db, scope, *skus)
    for sku in skus:
        f.receive(db, scope, sku, 6, "WH1")
        f.receive(db, scope, sku, 6, "WH2")
    rng = random.Random(3)
    plans = [[(sku, rng.randint(1, 3)) for sku in rng.sample(skus, 3)] for _ in range(CLIENTS)]
    for p in plans:
        rng.shuffle(p)  # lines arrive in any order; locks are still taken in one order
    results = run_together(CLIENTS, lambda i: o.order(db, scope, f"m-{i}", *plans[i], strict=i % 2 == 0))
    errors = [r for r in results if isinstance(r, Exception) and not isinstance(r, InsufficientStock)]
    assert errors == []
    for sku in skus:
        on_hand, booked = totals(db, scope, sku)
        assert on_hand == 12 and booked <= on_hand
        wanted = sum(q for i, p in enumerate(plans) for s, q in p if s == sku and isinstance(results[i], Order))
        owed = sum(
            line.backorder.open
            for order in list_orders(db, scope, limit=100)
            for line in order.lines
            if line.sku == sku
        )
        assert booked + owed == wanted
    assert verify(db, scope) == []


def test_the_same_channel_order_delivered_five_times_at_once_is_one_order_booked_once(
    db: Database, scope: Scope
) -> None:
    o.shop(db, scope)
    f.receive(db, scope, "TEE", 10, "WH1")
    results = run_together(5, lambda i: o.order(db, scope, "shopify-555", ("TEE", 3)))
    assert all(isinstance(r, Order) for r in results), results
    assert len({r.id for r in results}) == 1
    assert len(list_orders(db, scope)) == 1
    assert totals(db, scope, "TEE") == (10, 3)


step = st.one_of(
    st.tuples(st.just("order"), st.integers(1, 4), st.booleans()),
    st.tuples(st.just("receive"), st.integers(1, 5), st.booleans()),
    st.tuples(st.just("fulfil"), st.integers(0, 5), st.booleans()),
    st.tuples(st.just("cancel"), st.integers(0, 5), st.booleans()),
    st.tuples(st.just("return"), st.integers(0, 5), st.booleans()),
    st.tuples(st.just("count"), st.integers(0, 6), st.booleans()),
)


@settings(max_examples=20, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=1, max_size=10))
def test_any_interleaving_of_book_ship_release_return_and_receive_keeps_the_ledger_sound(
    db: Database, fresh_scope: Callable[[], Scope], steps: list[tuple[str, int, bool]]
) -> None:
    scope = o.shop(db, fresh_scope())
    placed: list[int] = []
    for n, (kind, amount, flag) in enumerate(steps):
        try:
            if kind == "order":
                placed.append(o.order(db, scope, f"p{n}", ("TEE", amount), strict=flag).id)
            elif kind == "receive":
                f.receive(db, scope, "TEE", amount, "WH1" if flag else "WH2")
            elif kind == "count":
                f.move(db, scope, "count", "TEE", "WH1", amount)
            elif placed:
                o.change(db, scope, kind, placed[amount % len(placed)])
        except TruecountError:
            pass
    assert verify(db, scope) == []
    for row in stock_service.stock(db, scope):
        # a count may find less than was booked, but the excess bookings become backorders at once
        assert 0 <= row.booked <= row.on_hand


def test_the_same_order_fulfilled_by_five_clients_at_once_ships_each_booking_once(db: Database, scope: Scope) -> None:
    o.shop(db, scope)
    f.receive(db, scope, "TEE", 10, "WH1")
    placed = o.order(db, scope, "ship-1", ("TEE", 3))
    o.order(db, scope, "other", ("TEE", 4))  # another order's bookings must stay untouched
    results = run_together(5, lambda i: o.change(db, scope, "fulfil", placed.id, ("TEE", 3)))
    shipped = [r for r in results if isinstance(r, Order)]
    assert len(shipped) == 1, results
    assert all(isinstance(r, TruecountError) for r in results if not isinstance(r, Order))
    assert totals(db, scope, "TEE") == (7, 4)
    assert verify(db, scope) == []


def test_a_cancel_racing_arriving_stock_never_leaves_a_cancelled_line_holding_stock(
    db: Database, fresh_scope: Callable[[], Scope]
) -> None:
    for round_ in range(6):
        scope = o.shop(db, fresh_scope())
        waiting = o.order(db, scope, f"race-{round_}", ("TEE", 3))
        assert waiting.lines[0].backorder.open == 3

        def act(i: int, order_id: int = waiting.id, target: Scope = scope) -> Any:
            if i == 0:
                return f.receive(db, target, "TEE", 5, "WH1")
            return o.change(db, target, "cancel", order_id)

        results = run_together(2, act)
        assert not [r for r in results if isinstance(r, Exception)], results
        (order,) = list_orders(db, scope)
        (line,) = order.lines
        held = sum(b.open for b in line.bookings)
        assert line.cancelled == 3 and held == 0 and line.backorder.open == 0, line
        assert totals(db, scope, "TEE") == (5, 0)
        assert verify(db, scope) == []


def test_concurrent_batches_over_the_same_levels_lock_in_one_order_never_deadlock_or_oversell(
    db: Database, scope: Scope, monkeypatch: Any
) -> None:
    """Batches (``place_orders``: one transaction each, booked set-based) from many clients at once, over
    the same levels listed in every order: no deadlock ever happens (not even one retried quietly), and
    nothing is oversold."""
    skus = ["A", "B", "C", "D", "E"]
    o.shop(db, scope, *skus)
    for sku in skus:
        f.receive(db, scope, sku, STOCK, "WH1")
        f.receive(db, scope, sku, STOCK, "WH2")
    seen: list[str | None] = []
    real = retry._sqlstate
    monkeypatch.setattr(retry, "_sqlstate", lambda error: seen.append(real(error)) or seen[-1])
    rng = random.Random(5)
    batches = [
        [PlaceOrder("web", f"b{i}-{k}", [OrderLineSpec(sku, rng.randint(1, 3)) for sku in rng.sample(skus, 2)],
                    strict=k % 2 == 0)
         for k in range(6)]
        for i in range(8)
    ]  # fmt: skip
    for batch in batches:
        rng.shuffle(batch)
    results = run_together(len(batches), lambda i: place_orders(db, scope, batches[i]))
    assert [r for r in results if isinstance(r, Exception)] == []
    assert "40P01" not in seen  # not one deadlock, not even one the retry hid
    for sku in skus:
        on_hand, booked = totals(db, scope, sku)
        assert on_hand == 2 * STOCK and booked <= on_hand
    assert verify(db, scope) == []


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_a_batch_waits_for_a_racing_delivery_of_its_order_before_it_locks_any_level(
    db: Database, scope: Scope, monkeypatch: Any
) -> None:
    """PostgreSQL: another transaction is recording order E (not committed yet) when a batch holding E
    and a bundle (booked order by order) starts. The batch must wait for it before locking levels: if
    it held KIT's levels while waiting, the other transaction booking CAP next would deadlock."""
    o.shop(db, scope, "TEE", "CAP")
    f.variant(db, scope, "KIT", components=[("CAP", 1)])
    f.receive(db, scope, "TEE", 5, "WH1")
    f.receive(db, scope, "CAP", 5, "WH1")
    seen: list[str | None] = []
    real = retry._sqlstate
    monkeypatch.setattr(retry, "_sqlstate", lambda error: seen.append(real(error)) or seen[-1])
    with db.engine.connect() as rival:  # the racing delivery, as raw statements in one transaction
        ids = {"m": scope.merchant_id}
        rival.execute(
            text(
                "INSERT INTO orders (merchant_id, channel_id, external_id, strict, status, created_at, updated_at) "
                "SELECT :m, id, 'E', false, 'open', now(), now() FROM channels WHERE merchant_id = :m AND code = 'web'"
            ),
            ids,
        )
        rival.execute(  # with the line the batch posts again (other lines would be refused, not replayed)
            text(
                "INSERT INTO order_lines (merchant_id, order_id, line_no, variant_id, quantity, fulfilled, cancelled, "
                "returned) SELECT :m, o.id, 1, v.id, 1, 0, 0, 0 FROM orders o, variants v WHERE o.merchant_id = :m "
                "AND o.external_id = 'E' AND v.merchant_id = :m AND v.sku = 'TEE'"
            ),
            ids,
        )
        with ThreadPoolExecutor(max_workers=1) as pool:
            batch = pool.submit(
                place_orders,
                db,
                scope,
                [PlaceOrder("web", "E", [OrderLineSpec("TEE", 1)]), PlaceOrder("web", "K", [OrderLineSpec("KIT", 1)])],
            )
            _until_waiting_on_a_lock(db)
            rival.execute(  # the rival books CAP: a level the batch would have locked
                text(
                    "UPDATE stock_levels SET booked = booked + 1 WHERE merchant_id = :m AND variant_id = "
                    "(SELECT id FROM variants WHERE merchant_id = :m AND sku = 'CAP')"
                ),
                ids,
            )
            rival.commit()
            answers = batch.result(timeout=60)
    assert "40P01" not in seen
    assert answers[0].replayed is True and answers[1].lines[0].bookings[0].open == 1


_WAITING = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"


def _until_waiting_on_a_lock(db: Database) -> None:
    """Until some backend of this database waits on a lock (polled against a deadline)."""
    deadline = time.monotonic() + 20
    with db.engine.connect() as watcher:
        while time.monotonic() < deadline:
            waiting = watcher.execute(text(_WAITING)).scalar_one()
            watcher.rollback()
            if waiting:
                return
            time.sleep(0.01)
    raise AssertionError("the batch never waited on the racing delivery")
