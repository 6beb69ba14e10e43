"""The database refuses a booking resolved twice or a backorder settled beyond what was owed (backstop)."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from tests import factories as f
from tests import order_factories as o
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.orders import backorders, bookings
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
