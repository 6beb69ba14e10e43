"""Statements sent together (adapters.db.together), and the availability listeners whose reads go
with them: same transaction, same order, same rows as one by one; a failure stops the rest."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from psycopg import pq
from sqlalchemy import Connection, bindparam, event, func, insert, literal, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.types import Integer, TypeDecorator

from tests import factories as f
from tests import offer_factories as offer
from tests import order_factories as o
from tests.sent import statements
from truecount.adapters.db.any_of import any_of
from truecount.adapters.db.booking import postgres as booking_store
from truecount.adapters.db.engine import Database
from truecount.adapters.db.packed import int8s, texts
from truecount.adapters.db.tables.catalog import variants
from truecount.adapters.db.tables.ledger import movements
from truecount.adapters.db.together import Rows, Statement, _packed, fetch_together
from truecount.domain.commands import OrderLineSpec, PlaceOrder
from truecount.services.common import availability
from truecount.services.common.lookups import variant_id
from truecount.services.common.scope import Scope, db_time, utcnow
from truecount.services.orders.place import place_orders


class Doubled(TypeDecorator[int]):
    """A column type with a result processor: SQLAlchemy must run its statement itself."""

    impl = Integer
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Any) -> int:
        return int(value) * 2


_SKUS = (
    select(variants.c.sku, variants.c.id)
    .where(variants.c.merchant_id == bindparam("m"), any_of(variants.c.sku, "skus"))
    .order_by(variants.c.sku)
)
_MOVEMENTS = select(func.count()).select_from(movements).where(movements.c.merchant_id == bindparam("m"))


def test_statements_run_in_order_in_the_callers_transaction_with_the_rows_of_each(db: Database, scope: Scope) -> None:
    f.variant(db, scope, "A")
    f.variant(db, scope, "B")
    m, at = scope.merchant_id, db_time(utcnow())
    with db.read() as conn:
        a, b = variant_id(conn, m, "A"), variant_id(conn, m, "B")
        counted_at_start = conn.execute(_MOVEMENTS, {"m": m}).scalar_one()
    row = dict(merchant_id=m, at=at, actor="t", kind="receive", variant_id=a, location_id=None, lot="")
    row |= dict(inventory_type_id=1, on_hand_delta=0, booked_delta=0)
    with statements(db) as heard, pytest.raises(_Undo), db.write() as conn:
        answers = fetch_together(
            conn,
            [
                (_SKUS, {"m": m, "skus": ["B", "A", "NOPE"]}),  # an array parameter (a bind processor)
                (_MOVEMENTS, {"m": m}),
                (insert(movements).values(**row).returning(movements.c.kind), {}),
                (_MOVEMENTS, {"m": m}),  # sees the insert before it: one transaction, in order
                (select(literal(21, Doubled())), {}),  # needs SQLAlchemy: run on its own, still answered
                (
                    select(variants.c.id).where(variants.c.merchant_id == m, variants.c.sku.in_(["B"])),
                    {},
                ),  # expanding IN
            ],
        )
        raise _Undo
    skus, counted_before, inserted, counted_after, doubled, expanded = answers
    assert len([h for h in heard if not h.startswith("BEGIN")]) == 6  # each is told to the cursor listeners
    assert [tuple(r) for r in skus] == [("A", a), ("B", b)]
    assert [tuple(r) for r in inserted] == [("receive",)]
    assert counted_before[0][0] == counted_at_start and counted_after[0][0] == counted_at_start + 1
    assert doubled[0][0] == 42
    assert [tuple(r) for r in expanded] == [(b,)]
    with db.read() as conn:  # rolled back with the caller's transaction
        assert conn.execute(_MOVEMENTS, {"m": m}).scalar_one() == counted_at_start


class _Undo(Exception):
    pass


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_a_failing_statement_stops_the_rest_and_aborts_the_transaction(db: Database, scope: Scope) -> None:
    m = scope.merchant_id
    with pytest.raises(DBAPIError) as failed, db.write() as conn:
        fetch_together(
            conn,
            [
                (_MOVEMENTS, {"m": m}),
                ("SELECT 1 / (%(zero)s::integer)", {"zero": 0}),
                ("SELECT pg_advisory_xact_lock(%(key)s)", {"key": 4242}),  # never run
            ],
        )
    assert "division by zero" in str(failed.value)
    with db.read() as conn:  # the lock the third statement would have taken was never held
        held = conn.exec_driver_sql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 4242")
        assert held.scalar_one() == 0
    with db.write() as conn:  # the pooled connection is usable again
        assert fetch_together(conn, [(_MOVEMENTS, {"m": m})])[0][0][0] >= 0


_BY_ID = select(variants.c.sku).where(any_of(variants.c.id, "ids")).order_by(variants.c.sku)


@pytest.mark.parametrize("alone", [True, False], ids=["one statement", "pipelined"])
def test_list_parameters_go_packed_and_one_that_cannot_be_still_finds_its_rows(
    db: Database, scope: Scope, alone: bool
) -> None:
    f.variant(db, scope, "A")
    f.variant(db, scope, "B")
    m = scope.merchant_id
    with db.read() as conn:
        a, b = variant_id(conn, m, "A"), variant_id(conn, m, "B")
    cases: list[Statement] = [
        (_SKUS, {"m": m, "skus": ["B", "A"]}),
        (_SKUS, {"m": m, "skus": ("A", None)}),  # a NULL: not packable, sent as SQLAlchemy sends it
        (_BY_ID, {"ids": [b, a, -1]}),
        (_BY_ID, {"ids": [a, None]}),
    ]
    sent: list[Any] = []
    record = lambda _c, _cur, _statement, params, *_: sent.append(params)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        with db.write() as conn:
            answers = [fetch_together(conn, [case])[0] for case in cases] if alone else fetch_together(conn, cases)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert [[tuple(r) for r in rows] for rows in answers] == [
        [("A", a), ("B", b)],
        [("A", a)],
        [("A",), ("B",)],
        [("A",)],
    ]
    if db.engine.dialect.name == "postgresql":  # the lists as sent: packed where they could be
        packed = [
            type(params[name]).__name__ for params, name in zip(sent, ["skus", "skus", "ids", "ids"], strict=True)
        ]
        assert packed == ["TextArray", "list", "Int8Array", "list"]


def test_a_list_goes_packed_only_when_every_element_fits() -> None:
    assert type(_packed([1, -(2**63), 2**63 - 1], int8s)).__name__ == "Int8Array"
    assert _packed([1, 2**63], int8s) is None  # beyond bigint: psycopg's own dumper decides
    assert _packed([1, True], int8s) is None and _packed([1, None], int8s) is None
    assert type(_packed(("a", "é"), texts)).__name__ == "TextArray" and _packed(["a", 1], texts) is None


def _turns(conn: Connection, statements: list[Statement], path: Path) -> tuple[int, list[Rows]]:
    """How often the client waited for the server while ``fetch_together`` ran (libpq's protocol trace:
    a run of messages sent followed by one received is a round trip), and the rows."""
    pgconn = conn.connection.driver_connection.pgconn  # type: ignore[union-attr]
    with path.open("w") as out:
        pgconn.trace(out.fileno())
        pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
        try:
            rows = fetch_together(conn, statements)
        finally:
            pgconn.untrace()
    sides = [line.split("\t", 1)[0] for line in path.read_text().splitlines() if line]
    return sum(1 for pair in pairwise(sides) if pair == ("F", "B")), rows


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_statements_sent_together_wait_for_the_server_once(db: Database, scope: Scope, tmp_path: Path) -> None:
    m = scope.merchant_id
    with db.write() as conn:
        conn.execute(_MOVEMENTS, {"m": m})  # the transaction is open: no BEGIN to wait for
        turns, rows = _turns(
            conn, [(_MOVEMENTS, {"m": m}), ("SELECT 7", {}), (_SKUS, {"m": m, "skus": ["X"]})], tmp_path / "t"
        )
    assert turns == 1
    assert [len(r) for r in rows] == [1, 1, 0] and rows[1][0][0] == 7


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_statements_that_open_the_transaction_send_its_begin_with_them_and_stay_in_it(
    db: Database, scope: Scope, tmp_path: Path
) -> None:
    f.variant(db, scope, "A")
    m, at = scope.merchant_id, db_time(utcnow())
    with db.read() as conn:
        a = variant_id(conn, m, "A")
        counted = conn.execute(_MOVEMENTS, {"m": m}).scalar_one()
    row = dict(merchant_id=m, at=at, actor="t", kind="receive", variant_id=a, location_id=None, lot="")
    row |= dict(inventory_type_id=1, on_hand_delta=0, booked_delta=0)
    with pytest.raises(_Undo), db.write() as conn:
        turns, _ = _turns(conn, [(_MOVEMENTS, {"m": m})], tmp_path / "one")  # opens the transaction
        conn.execute(insert(movements).values(**row))
        level = conn.exec_driver_sql("SHOW transaction_isolation").scalar_one()
        raise _Undo  # rolled back as a whole: the insert was inside the transaction the read opened
    assert turns == 1 and level == "read committed"
    with db.read() as conn:
        turns, rows = _turns(conn, [(_MOVEMENTS, {"m": m}), ("SHOW transaction_isolation", {})], tmp_path / "two")
        assert conn.execute(_MOVEMENTS, {"m": m}).scalar_one() == counted
    assert turns == 1 and rows[1][0][0] == "repeatable read"
    with pytest.raises(_Undo), db.write() as conn:  # a transaction of ours: psycopg sends no BEGIN of its own
        assert conn.connection.driver_connection.autocommit is True  # type: ignore[union-attr]
        conn.execute(insert(movements).values(**row))
        raise _Undo
    with db.engine.connect() as plain:  # back in the pool, the connection is psycopg's own again
        assert plain.connection.driver_connection.autocommit is False  # type: ignore[union-attr]
    with db.read() as conn:
        assert conn.execute(_MOVEMENTS, {"m": m}).scalar_one() == counted


def test_a_reading_listener_gets_the_rows_of_its_reads_fetched_by_the_seam_or_handed_in(
    db: Database, scope: Scope
) -> None:
    f.variant(db, scope, "A")
    f.variant(db, scope, "B")
    m = scope.merchant_id
    got: list[tuple[set[int], list[tuple[Any, ...]]]] = []

    def reads(merchant_id: int, variant_ids: list[int]) -> list[Statement]:
        return [(select(variants.c.id, variants.c.sku).where(any_of(variants.c.id, "ids")), {"ids": variant_ids})]

    def act(conn: Connection, merchant_id: int, variant_ids: set[int], rows: Rows) -> None:
        if merchant_id == m:
            got.append((set(variant_ids), sorted(tuple(r) for r in rows)))

    listener = availability.Reading(reads, act)
    statements: list[str] = []
    record = lambda _c, _cur, statement, *_: statements.append(statement)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        with availability.also(listener), db.write() as conn:
            a, b = variant_id(conn, m, "A"), variant_id(conn, m, "B")
            statements.clear()
            availability.changed(conn, m, {a, b})  # the seam reads for every reading listener
            read_by_seam = len(statements)
            pre = availability.prefetch(m, {a})
            rows = fetch_together(conn, pre.statements)
            statements.clear()
            availability.changed(conn, m, {a}, fetched=(pre, rows))  # handed in: not read again
            handed_in = list(statements)
            statements.clear()
            availability.changed(conn, m, {b}, fetched=(pre, rows))  # made for another change: read again
            reread = len(statements)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert got == [({a, b}, [(a, "A"), (b, "B")]), ({a}, [(a, "A")]), ({b}, [(b, "B")])]
    assert read_by_seam >= 1 and reread == read_by_seam
    assert not any("FROM variants" in s for s in handed_in)


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_a_batch_sends_the_listeners_reads_with_its_one_statement_and_the_offer_follows(
    db: Database, scope: Scope
) -> None:
    o.shop(db, scope, "TEE")
    f.receive(db, scope, "TEE", 10, "WH1")
    offer.listing(db, scope, "web", "TEE")
    before = offer.stored(db, scope)[("web", "TEE")]
    sent: list[list[str]] = []
    together = availability.fetch_together

    def spy(conn: Connection, statements: list[Statement]) -> list[Rows]:
        sent.append([s if isinstance(s, str) else str(s) for s, _ in statements])
        return together(conn, statements)

    availability.fetch_together = spy  # type: ignore[assignment]
    booking_store.fetch_together = spy  # type: ignore[assignment]
    try:
        place_orders(db, scope, [PlaceOrder("web", f"L{i}", [OrderLineSpec("TEE", 2)], True) for i in range(2)])
    finally:
        availability.fetch_together = together  # type: ignore[assignment]
        booking_store.fetch_together = together  # type: ignore[assignment]
    read, write = sent  # the batch's read, then its statement: the seam read nothing more
    assert "FROM variants" in read[0] and "INSERT INTO orders" in write[0]
    assert any("FROM listings" in s for s in write[1:]) and any("FROM trackers" in s for s in write[1:])
    assert offer.stored(db, scope)[("web", "TEE")] == before - 4
