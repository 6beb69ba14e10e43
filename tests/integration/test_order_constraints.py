"""The database refuses a booking resolved twice, a backorder settled beyond what was owed, and a line or booking
that belongs to nothing (backstops)."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from tests import factories as f
from tests import order_factories as o
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.orders import backorders, bookings, order_lines
from truecount.services.scope import Scope


def test_a_booking_shipped_and_released_beyond_its_quantity_is_refused_by_the_database(
    db: Database, scope: Scope
) -> None:
    o.shop(db, scope)
    f.receive(db, scope, "TEE", 2, "WH1")
    o.order(db, scope, "C1", ("TEE", 4))  # 2 booked, 2 owed
    m = scope.merchant_id
    for table, values in ((bookings, {"shipped": 2, "released": 1}), (backorders, {"allocated": 1, "cancelled": 2})):
        with pytest.raises(IntegrityError), db.write() as conn:
            conn.execute(update(table).where(table.c.merchant_id == m).values(**values))


def test_a_line_or_a_booking_pointing_at_no_order_or_no_line_is_refused_by_the_database(
    db: Database, scope: Scope
) -> None:
    # The structural keys migration 0008 kept (the catalogue keys it dropped are audited by verify).
    o.shop(db, scope)
    f.receive(db, scope, "TEE", 2, "WH1")
    o.order(db, scope, "C1", ("TEE", 1))
    m = scope.merchant_id
    with db.read() as conn:
        line = conn.execute(select(order_lines).where(order_lines.c.merchant_id == m)).mappings().one()
        booking = conn.execute(select(bookings).where(bookings.c.merchant_id == m)).mappings().one()
    nowhere = 1 + max(line["id"], line["order_id"]) + 10_000_000
    for table, row in ((order_lines, dict(line, order_id=nowhere)), (bookings, dict(booking, order_line_id=nowhere))):
        with pytest.raises(IntegrityError), db.write() as conn:
            conn.execute(insert(table).values({k: v for k, v in row.items() if k != "id"}))
