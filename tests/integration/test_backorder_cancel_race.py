"""Stock arriving for a backorder while the same line is being cancelled: the line ends cancelled
with nothing left booked, whichever way the two transactions meet (PostgreSQL: the cancel waits on
the listener's claim of the backorder row; SQLite: writers are serialised)."""

from __future__ import annotations

import threading
import time

from sqlalchemy import text

from tests import order_factories as o
from truecount.adapters.db.engine import Database
from truecount.domain.model import LedgerLine, MovementKind
from truecount.services.common import availability
from truecount.services.common.lookups import inventory_type_id, location_id, variant_id
from truecount.services.common.scope import Scope, db_time, utcnow
from truecount.services.orders.results import Order
from truecount.services.stock import levels as stock_service
from truecount.services.stock.ledger import LineMeta, apply_line
from truecount.services.stock.verify import verify


def wait_until_a_client_waits_on_a_lock(db: Database, deadline_s: float = 15.0) -> None:
    if db.engine.dialect.name != "postgresql":
        return  # SQLite: the cancel queues behind this writer (BEGIN IMMEDIATE) whenever it starts
    until = time.monotonic() + deadline_s
    with db.engine.connect() as watcher:
        while time.monotonic() < until:
            waiting = watcher.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'"
                )
            ).scalar_one()
            watcher.rollback()
            if waiting:
                return
            time.sleep(0.01)
    raise AssertionError("the cancel never waited on the backorder's claim")


def test_a_cancel_racing_stock_that_allocates_its_backorder_leaves_nothing_booked(db: Database, scope: Scope) -> None:
    o.shop(db, scope)
    placed = o.order(db, scope, "R1", ("TEE", 3))  # nothing in stock: 3 owed
    m = scope.merchant_id
    outcome: list[object] = []
    with db.write() as conn:  # a receive whose listener allocates the backorder, not yet committed
        v, loc, t = variant_id(conn, m, "TEE"), location_id(conn, m, "WH1"), inventory_type_id(conn, m, "good")
        apply_line(conn, LedgerLine(MovementKind.RECEIVE, v, loc, t, "", 5, 0), LineMeta(m, db_time(utcnow()), "t"))
        availability.changed(conn, m, {v})
        canceller = threading.Thread(target=lambda: outcome.append(o.change(db, scope, "cancel", placed.id)))
        canceller.start()
        wait_until_a_client_waits_on_a_lock(db)
    canceller.join(timeout=30)
    (cancelled,) = outcome
    assert isinstance(cancelled, Order)
    line = cancelled.lines[0]
    assert (line.cancelled, line.backorder.open, cancelled.status) == (3, 0, "cancelled")
    assert all(b.open == 0 for b in line.bookings)
    assert [(r.on_hand, r.booked) for r in stock_service.stock(db, scope, "TEE")] == [(5, 0)]
    assert verify(db, scope) == []
