"""The database refuses a booking resolved twice, a backorder settled beyond what was owed, and a backorder or
incident that belongs to nothing (backstops)."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from tests import factories as f
from tests import order_factories as o
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.orders import backorders, bookings, incidents
from truecount.services.common.scope import Scope


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


def test_a_backorder_or_an_incident_pointing_at_no_line_or_no_order_is_refused_by_the_database(
    db: Database, scope: Scope
) -> None:
    # Off the hot path, their keys stay. (Lines and bookings lost theirs in migrations 0008 and 0009:
    # verify audits them, tests/integration/test_hot_path_keys.py.)
    o.shop(db, scope)
    f.receive(db, scope, "TEE", 2, "WH1")
    o.order(db, scope, "C1", ("TEE", 4))  # 2 owed: a backorder and an oversell incident
    m = scope.merchant_id
    with db.read() as conn:
        backorder = conn.execute(select(backorders).where(backorders.c.merchant_id == m)).mappings().one()
        incident = conn.execute(select(incidents).where(incidents.c.merchant_id == m)).mappings().one()
    nowhere = 1 + max(backorder["order_line_id"], incident["order_id"]) + 10_000_000
    for table, row in (
        (backorders, dict(backorder, order_line_id=nowhere)),
        (incidents, dict(incident, order_id=nowhere)),
    ):
        with pytest.raises(IntegrityError), db.write() as conn:
            conn.execute(insert(table).values({k: v for k, v in row.items() if k != "id"}))
