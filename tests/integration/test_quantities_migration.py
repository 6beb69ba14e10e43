"""Migration 0017 widens every quantity column to 64 bits on PostgreSQL (SQLite's INTEGER already is),
adds the levels' storable check on both backends, keeps the data and round-trips."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import func, inspect, select

from tests import factories as f
from tests import order_factories as o
from truecount.adapters.db.engine import Database
from truecount.adapters.db.migrate import downgrade, upgrade
from truecount.adapters.db.tables.ledger import movements, stock_levels
from truecount.adapters.db.tables.orders import bookings, order_lines
from truecount.services.catalog.records import ensure_merchant
from truecount.services.common.scope import Scope
from truecount.services.stock.levels import stock
from truecount.services.stock.verify import verify

QUANTITY_COLUMNS = {
    ("movements", "on_hand_delta"),
    ("stock_levels", "on_hand"),
    ("stock_levels", "booked"),
    ("lot_levels", "on_hand"),
    ("order_lines", "quantity"),
    ("bookings", "quantity"),
    ("backorders", "quantity"),
    ("offers", "quantity"),
    ("channel_rules", "quantity"),
    ("push_queue", "quantity"),
    ("listing_sync", "pushed_quantity"),
    ("stocktake_lines", "counted"),
}
STORABLE = {("stock_levels", "ck_stock_levels_on_hand_storable"), ("lot_levels", "ck_lot_levels_lot_on_hand_storable")}


def column_types(db: Database) -> dict[tuple[str, str], str]:
    schema = inspect(db.engine)
    return {
        (table, str(column["name"])): str(column["type"])
        for table, _ in QUANTITY_COLUMNS
        for column in schema.get_columns(table)
        if (table, column["name"]) in QUANTITY_COLUMNS
    }


def checks(db: Database) -> set[tuple[str, str]]:
    schema = inspect(db.engine)
    return {(t, str(c["name"])) for t, _ in STORABLE for c in schema.get_check_constraints(t)} & STORABLE


def rows(db: Database, merchant_id: int) -> dict[str, int]:
    with db.read() as conn:
        return {
            t.name: conn.execute(select(func.count()).where(t.c.merchant_id == merchant_id)).scalar_one()
            for t in (movements, stock_levels, order_lines, bookings)
        }


def test_0017_widens_the_quantities_keeps_the_data_and_round_trips(blank_db: Database) -> None:
    upgrade(blank_db)
    with blank_db.write() as conn:
        scope = Scope(ensure_merchant(conn, "shop", "shop"), "test", 1_000_000_000)
    o.shop(blank_db, scope)
    f.receive(blank_db, scope, "TEE", 1_000_000_000, "WH1")
    o.order(blank_db, scope, "C1", ("TEE", 4))
    counts = rows(blank_db, scope.merchant_id)
    wide = "BIGINT" if not blank_db.is_sqlite else "INTEGER"

    downgrade(blank_db, "0012")  # the previous head, with data written today
    assert set(column_types(blank_db).values()) == {"INTEGER"}
    assert checks(blank_db) == set()
    assert rows(blank_db, scope.merchant_id) == counts

    upgrade(blank_db, "0017")
    assert set(column_types(blank_db).values()) == {wide}
    assert checks(blank_db) == STORABLE
    assert rows(blank_db, scope.merchant_id) == counts

    upgrade(blank_db)  # today's code writes on today's schema (later migrations add tables it needs)
    assert verify(blank_db, scope) == []
    large = replace(scope, max_quantity=10**12)
    for _ in range(2):  # 3 billion: refused by PostgreSQL's 32-bit columns before
        f.receive(blank_db, large, "TEE", 1_000_000_000, "WH1")
    [row] = stock(blank_db, scope, "TEE")
    assert (row.on_hand, row.booked) == (3_000_000_000, 4)
    o.order(blank_db, large, "C2", ("TEE", 2_500_000_000))
    [row] = stock(blank_db, scope, "TEE")
    assert (row.on_hand, row.booked, row.available) == (3_000_000_000, 2_500_000_004, 499_999_996)
    assert verify(blank_db, scope) == []
