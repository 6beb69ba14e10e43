"""A batch booked by the engine in one transaction gives exactly what its orders booked one by one give."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event

from tests import factories as f
from tests import order_factories as o
from truecount.adapters.db.engine import Database
from truecount.domain.commands import EditLocation, OrderLineSpec, PlaceOrder
from truecount.domain.errors import InsufficientStock, NotFound
from truecount.domain.order_replay import OrderLinesDiffer
from truecount.services.catalog.places import edit_location
from truecount.services.common.scope import Scope
from truecount.services.orders.place import place_order_alone, place_orders
from truecount.services.orders.results import Order, OrderError, OrderRefused
from truecount.services.orders.views import list_orders
from truecount.services.stock import levels as stock_service
from truecount.services.stock.verify import verify

SKUS = ["A", "B", "C", "FREE"]  # FREE is not tracked


def _store(db: Database, scope: Scope, stock: dict[tuple[str, str], int]) -> None:
    """WH1, bin WH1-A, WH2 and a shop not for sale; ``web`` books by priority, ``mx`` by most available."""
    o.shop(db, scope, "A", "B", "C")
    f.variant(db, scope, "FREE", tracked=False)
    o.channel(db, scope, "mx", ["WH2", "WH1"], allocation="most_available")
    for (sku, at), quantity in stock.items():
        if quantity:
            f.receive(db, scope, sku, quantity, at)


def _comparable(result: Order | OrderRefused) -> Any:
    """An answer without what differs between two merchants (ids, clock)."""
    if isinstance(result, OrderRefused):
        return result
    return {k: v for k, v in asdict(result).items() if k not in ("id", "created_at")}


def _levels(db: Database, scope: Scope) -> list[tuple[Any, ...]]:
    return sorted((r.sku, r.location, r.on_hand, r.booked) for r in stock_service.stock(db, scope))


def _alone(db: Database, scope: Scope, cmd: PlaceOrder) -> Order | OrderRefused:
    """What place_orders answers for one order booked on its own."""
    try:
        return place_order_alone(db, scope, cmd)
    except (InsufficientStock, OrderLinesDiffer) as refused:
        return OrderRefused(cmd.external_id, OrderError(refused.code, str(refused), refused.details))


line = st.tuples(st.sampled_from(SKUS), st.integers(1, 6))
command = st.tuples(
    st.sampled_from(["web", "mx"]),
    st.integers(0, 20),  # external ids repeat: repeats in the batch and replays of earlier batches
    st.lists(line, min_size=1, max_size=3),
    st.booleans(),
)
where = st.sampled_from(["WH1", "WH1-A", "WH2", "SHOP"])


@settings(max_examples=20, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    stock=st.dictionaries(st.tuples(st.sampled_from(["A", "B", "C"]), where), st.integers(0, 8), max_size=8),
    batches=st.lists(st.lists(command, min_size=1, max_size=8), min_size=1, max_size=3),
)
def test_a_batch_books_exactly_as_its_orders_one_by_one(
    db: Database, fresh_scope: Callable[[], Scope], stock: dict[tuple[str, str], int], batches: list[Any]
) -> None:
    together, alone = fresh_scope(), fresh_scope()
    _store(db, together, stock)
    _store(db, alone, stock)
    for batch in batches:
        cmds = [
            PlaceOrder(channel, f"E{n}", [OrderLineSpec(sku, q) for sku, q in lines], strict)
            for channel, n, lines, strict in batch
        ]
        answers = place_orders(db, together, cmds)
        expected = [_alone(db, alone, cmd) for cmd in cmds]
        assert [_comparable(a) for a in answers] == [_comparable(e) for e in expected]
    assert _levels(db, together) == _levels(db, alone)
    mine = [_comparable(x) for x in list_orders(db, together, limit=100)]
    assert mine == [_comparable(x) for x in list_orders(db, alone, limit=100)]
    assert verify(db, together) == [] and verify(db, alone) == []


def test_a_batch_with_a_bundle_or_an_unknown_sku_is_still_booked_right(db: Database, scope: Scope) -> None:
    o.shop(db, scope, "TEE", "CAP")
    f.variant(db, scope, "KIT", components=[("TEE", 1), ("CAP", 2)])
    f.receive(db, scope, "TEE", 5, "WH1")
    f.receive(db, scope, "CAP", 5, "WH1")
    kit, tee = place_orders(
        db,
        scope,
        [PlaceOrder("web", "K1", [OrderLineSpec("KIT", 2)], True), PlaceOrder("web", "T1", [OrderLineSpec("TEE", 1)])],
    )
    assert [b.sku for b in kit.lines[0].bookings] == ["TEE", "CAP"]
    assert tee.lines[0].bookings[0].open == 1
    booked = {r.sku: r.booked for r in stock_service.stock(db, scope)}
    assert booked == {"TEE": 3, "CAP": 4}
    with pytest.raises(NotFound) as missing:  # bad input: named, and nothing of the batch is written
        place_orders(
            db,
            scope,
            [PlaceOrder("web", "T2", [OrderLineSpec("TEE", 1)]), PlaceOrder("web", "X", [OrderLineSpec("NOPE", 1)])],
        )
    assert missing.value.field == "lines[0].sku"
    assert sorted(x.external_id for x in list_orders(db, scope)) == ["K1", "T1"]
    assert verify(db, scope) == []


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_stock_booked_between_the_read_and_the_guarded_update_makes_the_batch_read_and_plan_again(
    db: Database, scope: Scope
) -> None:
    """PostgreSQL only: there a writer can book between our read and our guarded statement (SQLite has one
    writer at a time). The race is made to happen: just before the batch's guarded statement, another
    transaction books 3 of the 4 units the batch planned on. The batch must not oversell."""
    o.shop(db, scope, "TEE")
    f.receive(db, scope, "TEE", 4, "WH1")
    raced: list[Order] = []
    armed = [True]

    def book_first(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "UPDATE stock_levels" in statement and armed[0]:  # the one-row or the set-based form
            armed[0] = False  # the rival's own guarded statement passes through here too
            raced.append(place_order_alone(db, scope, PlaceOrder("web", "RIVAL", [OrderLineSpec("TEE", 3)], True)))

    event.listen(db.engine, "before_cursor_execute", book_first)
    try:
        answers = place_orders(
            db, scope, [PlaceOrder("web", f"B{i}", [OrderLineSpec("TEE", 2)], strict=True) for i in range(2)]
        )
    finally:
        event.remove(db.engine, "before_cursor_execute", book_first)
    assert raced and raced[0].lines[0].bookings[0].open == 3
    assert all(isinstance(a, OrderRefused) for a in answers)  # one unit is left: a strict order of 2 cannot have it
    assert {r.sku: (r.on_hand, r.booked) for r in stock_service.stock(db, scope)} == {"TEE": (4, 3)}
    assert verify(db, scope) == []


def _writes(statements: list[str]) -> list[str]:
    """The statements that write orders, lines, levels, movements or bookings."""
    marks = ("INSERT INTO orders", "INSERT INTO order_lines", "UPDATE stock_levels", "INSERT INTO movements",
             "INSERT INTO bookings")  # fmt: skip
    return [s for s in statements if any(mark in s for mark in marks)]


def _recording(db: Database) -> tuple[list[str], Callable[[], None]]:
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    return seen, lambda: event.remove(db.engine, "before_cursor_execute", record)


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_on_postgresql_a_batch_is_recorded_and_booked_in_one_statement(db: Database, scope: Scope) -> None:
    o.shop(db, scope, "TEE", "CAP")
    f.receive(db, scope, "TEE", 5, "WH1")
    f.receive(db, scope, "TEE", 2, "WH2")
    f.receive(db, scope, "CAP", 1, "WH2")
    cmds = [
        PlaceOrder("web", "S1", [OrderLineSpec("CAP", 1), OrderLineSpec("TEE", 6)], strict=True),
        PlaceOrder("web", "S2", [OrderLineSpec("TEE", 1)]),
    ]
    seen, stop = _recording(db)
    try:
        first, second = place_orders(db, scope, cmds)
    finally:
        stop()
    assert len(_writes(seen)) == 1 and _writes(seen)[0].lstrip().startswith("WITH")
    tee = [(b.location, b.quantity) for b in first.lines[1].bookings]
    assert tee == [("WH1", 5), ("WH2", 1)] and first.lines[0].bookings[0].location == "WH2"
    assert (second.lines[0].bookings[0].location, second.lines[0].bookings[0].open) == ("WH2", 1)
    assert {(r.sku, r.location): r.booked for r in stock_service.stock(db, scope)} == {
        ("TEE", "WH1"): 5,
        ("TEE", "WH2"): 2,
        ("CAP", "WH2"): 1,
    }
    shown = {x.external_id: x for x in list_orders(db, scope)}
    assert [_comparable(shown[a.external_id]) for a in (first, second)] == [_comparable(first), _comparable(second)]
    assert verify(db, scope) == []


def test_an_order_recorded_before_is_answered_as_a_replay_and_the_rest_written_at_once(
    db: Database, scope: Scope
) -> None:
    """The read finds the order recorded: the plan answers it as a replay (nothing taken) and the batch's
    new orders are written in one go (PostgreSQL: one statement)."""
    o.shop(db, scope, "TEE")
    f.receive(db, scope, "TEE", 3, "WH1")
    earlier = place_order_alone(db, scope, PlaceOrder("web", "E1", [OrderLineSpec("TEE", 1)]))
    seen, stop = _recording(db)
    try:
        repeat, fresh = place_orders(
            db,
            scope,
            [PlaceOrder("web", "E1", [OrderLineSpec("TEE", 1)]), PlaceOrder("web", "E2", [OrderLineSpec("TEE", 2)])],
        )
    finally:
        stop()
    if db.dialect == "postgresql":
        assert len(_writes(seen)) == 1 and _writes(seen)[0].lstrip().startswith("WITH")
    assert repeat.replayed is True and repeat.id == earlier.id
    assert fresh.lines[0].bookings[0].open == 2
    assert sorted(x.external_id for x in list_orders(db, scope)) == ["E1", "E2"]
    assert {r.sku: r.booked for r in stock_service.stock(db, scope)} == {"TEE": 3}
    assert verify(db, scope) == []


def _fact_reads(statements: list[str]) -> list[str]:
    """Reads of a channel's facts (its types, its locations), not the digest that checks them."""
    return [s for s in statements if ("channel_inventory_types" in s or "channel_locations" in s) and "md5(" not in s]


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_channel_facts_are_kept_across_batches_until_any_process_changes_them(db: Database, scope: Scope) -> None:
    """The facts a process keeps are checked by the stock read of every batch: a change made through
    another engine (as another process would) is seen by the very next batch."""
    o.shop(db, scope, "TEE")
    f.receive(db, scope, "TEE", 5, "WH1")
    f.receive(db, scope, "TEE", 5, "WH2")

    def book(external_id: str) -> tuple[Order | OrderRefused, list[str]]:
        seen, stop = _recording(db)
        try:
            (answer,) = place_orders(db, scope, [PlaceOrder("web", external_id, [OrderLineSpec("TEE", 1)])])
        finally:
            stop()
        return answer, seen

    first, _ = book("A1")
    second, seen = book("A2")
    assert [a.lines[0].bookings[0].location for a in (first, second) if isinstance(a, Order)] == ["WH1", "WH1"]
    assert _fact_reads(seen) == []  # the second batch read no channel facts
    other = Database(db.url)  # another process: its own engine, its own kept facts
    try:
        m = scope.merchant_id
        with other.write() as conn:
            conn.exec_driver_sql(
                "DELETE FROM channel_locations WHERE merchant_id = %s AND location_id = "
                "(SELECT id FROM locations WHERE merchant_id = %s AND code = 'WH1')",
                (m, m),
            )
        third, seen = book("A3")
        assert third.lines[0].bookings[0].location == "WH2" and _fact_reads(seen) != []
        edit_location(other, scope, EditLocation("WH2", saleable=False))  # what the service keeps, kept
        fourth, _ = book("A4")
        assert fourth.lines[0].bookings == [] and fourth.lines[0].backorder.open == 1
    finally:
        other.dispose()
    assert verify(db, scope) == []
