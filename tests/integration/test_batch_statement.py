"""The one statement a batch is written in (PostgreSQL's booking store): concurrent batches holding the same orders."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from sqlalchemy import event

from tests import factories as f
from tests import order_factories as o
from tests.waits import until as _until
from truecount.adapters.db.booking import NewOrders
from truecount.adapters.db.booking import postgres as booking_store
from truecount.adapters.db.engine import Database
from truecount.domain.commands import OrderLineSpec, PlaceOrder
from truecount.services.bootstrap import init_database
from truecount.services.catalog.records import ensure_merchant
from truecount.services.common import retry
from truecount.services.common.scope import Scope, db_time, utcnow
from truecount.services.orders.place import place_orders
from truecount.services.orders.results import Order, OrderRefused
from truecount.services.stock.verify import verify

HOLD = 4242  # the advisory lock a batch waits on, in the tests' triggers, before an insert goes on


def _holding(name: str, table: str, also: str, each: str) -> str:
    """A trigger on ``table`` that, in a session that set ``test.hold`` (and where ``also`` holds),
    waits for the HOLD lock before the insert goes on."""
    return f"""
CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('test.hold', true) = 'on'{also} THEN
        PERFORM pg_advisory_lock({HOLD});
        PERFORM pg_advisory_unlock({HOLD});
    END IF;
    RETURN {"NEW" if each == "ROW" else "NULL"};
END $$;
CREATE TRIGGER {name} BEFORE INSERT ON {table} FOR EACH {each} EXECUTE FUNCTION {name}();
"""


# In a test's own database only: a session that set `test.hold` waits for the HOLD lock just before
# it inserts order DY (so a test can stop one batch between its two orders), or its bookings.
_TRIGGER = _holding("hold_before_dy", "orders", " AND NEW.external_id = 'DY'", "ROW")


@pytest.fixture
def own_pg(blank_db: Database) -> Iterator[Database]:
    assert blank_db.dialect == "postgresql"  # SQLite has one writer at a time
    init_database(blank_db)
    yield blank_db


def _raw_url(db: Database) -> str:
    return db.url.replace("postgresql+psycopg://", "postgresql://", 1)


def _tee_merchant(db: Database) -> Scope:
    """A new merchant selling TEE on channel "web", 5 of it received at WH1."""
    with db.write() as conn:
        scope = Scope(ensure_merchant(conn, f"m-{uuid.uuid4().hex[:8]}", "test"), "test", 1_000_000)
    o.shop(db, scope, "TEE")
    f.receive(db, scope, "TEE", 5, "WH1")
    return scope


def _ids(admin: psycopg.Connection[Any], m: int) -> tuple[int, int, int, int]:
    """The merchant's channel, and its one level's variant, location and inventory type."""
    row = admin.execute(
        "SELECT c.id, s.variant_id, s.location_id, s.inventory_type_id FROM channels c, stock_levels s "
        "WHERE c.merchant_id = %s AND s.merchant_id = %s",
        (m, m),
    ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2]), int(row[3])


def _waiting(admin: psycopg.Connection[Any], pid: int, event: str) -> bool:
    row = admin.execute("SELECT wait_event FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()
    return row is not None and row[0] == event


@pytest.mark.parametrize("blank_db", ["postgresql"], indirect=True)
def test_two_batches_holding_the_same_orders_in_opposite_orders_wait_instead_of_deadlocking(
    own_pg: Database,
) -> None:
    """Batch A (DX, DY) is stopped after inserting DX; batch B (DY, DX) starts. Inserted in batch
    order, B would take DY then wait for A's DX, and A, resumed, would wait for B's DY: a deadlock.
    In key order B waits for A's DX first, holding nothing A needs."""
    db = own_pg
    scope = _tee_merchant(db)
    m = scope.merchant_id
    url = _raw_url(db)
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(_TRIGGER)  # type: ignore[arg-type]
        channel, variant, location, itype = _ids(admin, m)

        def planned(*ids: str) -> NewOrders:
            new = NewOrders()
            for e in ids:
                new.add(channel, e, False, f"order:web:{e}", [(variant, 1)], [(0, variant, location, itype, 1)])
            return new

        outcomes: dict[str, Any] = {}
        pids: dict[str, int] = {}

        def batch(name: str, ids: tuple[str, ...], hold: bool) -> None:
            with psycopg.connect(url) as conn:
                pids[name] = conn.info.backend_pid
                if hold:
                    conn.execute("SET test.hold = 'on'")
                try:
                    params = booking_store.parameters(m, "test", planned(*ids), db_time(utcnow()))
                    row = conn.execute(booking_store.STATEMENT, params).fetchone()
                    outcomes[name] = bool(row and row[0])
                    conn.commit()
                except psycopg.Error as error:
                    outcomes[name] = error

        admin.execute("SELECT pg_advisory_lock(%s)", (HOLD,))
        first = threading.Thread(target=batch, args=("A", ("DX", "DY"), True))
        first.start()
        _until(lambda: "A" in pids and _waiting(admin, pids["A"], "advisory"), "batch A to stop before DY")
        second = threading.Thread(target=batch, args=("B", ("DY", "DX"), False))
        second.start()
        _until(lambda: "B" in pids and _waiting(admin, pids["B"], "transactionid"), "batch B to wait for A")
        admin.execute("SELECT pg_advisory_unlock(%s)", (HOLD,))
        first.join(timeout=30)
        second.join(timeout=30)
    # B found the orders recorded: its insert breaks the orders' key (the store answers a miss;
    # nothing of B stays), not a deadlock.
    assert outcomes["A"] is True
    assert isinstance(outcomes["B"], psycopg.errors.UniqueViolation), outcomes["B"]
    assert outcomes["B"].diag.constraint_name == "uq_orders_merchant_channel_external"
    assert verify(db, scope) == []


@pytest.mark.parametrize("blank_db", ["postgresql"], indirect=True)
def test_batches_with_refused_orders_through_the_service_also_wait_instead_of_deadlocking(
    own_pg: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same race through ``place_orders``, each batch holding a strict order that stock cannot
    cover (refused in planning, never written): not one deadlock, not even one the retry hid; the
    first batch books DX and DY, the second finds them recorded (its write misses, it reads again)."""
    db = own_pg
    with db.write() as conn:
        scope = Scope(ensure_merchant(conn, f"m-{uuid.uuid4().hex[:8]}", "test"), "test", 1_000_000)
    o.shop(db, scope, "TEE")
    f.receive(db, scope, "TEE", 5, "WH1")
    seen: list[str | None] = []
    real = retry._sqlstate
    monkeypatch.setattr(retry, "_sqlstate", lambda error: seen.append(real(error)) or seen[-1])
    held = Database(db.url)  # batch A's connections wait before inserting DY
    # a session setting, committed at once: a connection is lent with no transaction open
    event.listen(held.engine, "connect", lambda dbapi, _: (dbapi.execute("SET test.hold = 'on'"), dbapi.commit()))

    def batch(database: Database, *ids: str) -> list[Order | OrderRefused]:
        cmds = [
            PlaceOrder("web", e, [OrderLineSpec("TEE", 99 if e.startswith("BIG") else 1)], strict=True) for e in ids
        ]
        return place_orders(database, scope, cmds)

    outcomes: dict[str, Any] = {}
    try:
        with psycopg.connect(_raw_url(db), autocommit=True) as admin:
            admin.execute(_TRIGGER)  # type: ignore[arg-type]
            admin.execute("SELECT pg_advisory_lock(%s)", (HOLD,))
            first = threading.Thread(target=lambda: outcomes.update(A=batch(held, "DX", "DY", "BIG-A")))
            first.start()
            _until(lambda: _waiting_on(admin, "advisory"), "batch A to stop before DY")
            second = threading.Thread(target=lambda: outcomes.update(B=batch(db, "DY", "DX", "BIG-B")))
            second.start()
            _until(lambda: _waiting_on(admin, "transactionid"), "batch B to wait for A")
            admin.execute("SELECT pg_advisory_unlock(%s)", (HOLD,))
            first.join(timeout=30)
            second.join(timeout=30)
    finally:
        held.dispose()
    assert "40P01" not in seen
    a, b = outcomes["A"], outcomes["B"]
    assert [isinstance(x, Order) and x.replayed for x in a[:2]] == [False, False] and isinstance(a[2], OrderRefused)
    assert [isinstance(x, Order) and x.replayed for x in b[:2]] == [True, True] and isinstance(b[2], OrderRefused)
    assert verify(db, scope) == []


def _waiting_on(admin: psycopg.Connection[Any], event_name: str) -> bool:
    """Some session of this database waits on a lock of this kind (advisory, or another's transaction)."""
    row = admin.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event = %s",
        (event_name,),
    ).fetchone()
    return bool(row and row[0])


_HOLD_BOOKINGS = _holding("hold_bookings", "bookings", "", "STATEMENT")


@pytest.mark.parametrize("blank_db", ["postgresql"], indirect=True)
def test_a_batch_locks_its_levels_only_after_writing_its_rows(own_pg: Database) -> None:
    """Stopped while it inserts its bookings (its last rows), a batch holds no lock on the level it books:
    another transaction locks that level at once (NOWAIT). Resumed, it books, and the ledger balances."""
    db = own_pg
    scope = _tee_merchant(db)
    m = scope.merchant_id
    url = _raw_url(db)
    outcome: dict[str, Any] = {}
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(_HOLD_BOOKINGS)  # type: ignore[arg-type]
        channel, variant, location, itype = _ids(admin, m)
        planned = NewOrders()
        planned.add(channel, "W1", False, "order:web:W1", [(variant, 2)], [(0, variant, location, itype, 2)])

        def batch() -> None:
            with psycopg.connect(url) as conn:
                outcome["pid"] = conn.info.backend_pid
                conn.execute("SET test.hold = 'on'")
                params = booking_store.parameters(m, "test", planned, db_time(utcnow()))
                row = conn.execute(booking_store.STATEMENT, params).fetchone()
                outcome["ok"] = bool(row and row[0])
                conn.commit()

        admin.execute("SELECT pg_advisory_lock(%s)", (HOLD,))
        writer = threading.Thread(target=batch)
        writer.start()
        try:
            _until(lambda: "pid" in outcome and _waiting(admin, outcome["pid"], "advisory"), "the batch to stop")
            with psycopg.connect(url) as other:  # would raise LockNotAvailable if the batch held the level
                level = other.execute(
                    "SELECT on_hand - booked FROM stock_levels WHERE merchant_id = %s AND variant_id = %s "
                    "AND location_id = %s AND inventory_type_id = %s FOR UPDATE NOWAIT",
                    (m, variant, location, itype),
                ).fetchone()
                assert level == (5,)
        finally:
            admin.execute("SELECT pg_advisory_unlock(%s)", (HOLD,))
            writer.join(timeout=30)
    assert outcome["ok"] is True
    assert verify(db, scope) == []
    with db.read() as conn:
        assert conn.exec_driver_sql(f"SELECT booked FROM stock_levels WHERE merchant_id = {m}").scalar_one() == 2
