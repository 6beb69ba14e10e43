"""Migrations 0008 and 0009 drop the fourteen foreign keys of the booking hot path (twelve to the
catalogue, then line → order and booking → line), 0026 the levels' eight to the catalogue; each
keeps every other key and the data, and round-trips; verify's orphan audit stands in for the
dropped keys."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, insert, inspect, select

from tests import factories as f
from tests import order_factories as o
from truecount.adapters.db.engine import Database
from truecount.adapters.db.migrate import downgrade, upgrade
from truecount.adapters.db.tables.ledger import lot_levels, movements, stock_levels
from truecount.adapters.db.tables.orders import backorders, bookings, order_lines, orders
from truecount.services.catalog.records import ensure_merchant
from truecount.services.common.lookups import inventory_type_id, location_id, variant_id
from truecount.services.common.scope import Scope, db_time, utcnow
from truecount.services.stock.orphans import Orphan
from truecount.services.stock.verify import Difference, verify

DROPPED = {
    ("orders", "fk_orders_merchant_id_merchants"),
    ("orders", "fk_orders_channel_id_channels"),
    ("order_lines", "fk_order_lines_merchant_id_merchants"),
    ("order_lines", "fk_order_lines_variant_id_variants"),
    ("movements", "fk_movements_merchant_id_merchants"),
    ("movements", "fk_movements_variant_id_variants"),
    ("movements", "fk_movements_location_id_locations"),
    ("movements", "fk_movements_inventory_type_id_inventory_types"),
    ("bookings", "fk_bookings_merchant_id_merchants"),
    ("bookings", "fk_bookings_variant_id_variants"),
    ("bookings", "fk_bookings_location_id_locations"),
    ("bookings", "fk_bookings_inventory_type_id_inventory_types"),
}
STRUCTURAL = {  # dropped by 0009
    ("order_lines", "fk_order_lines_order_id_orders"),
    ("bookings", "fk_bookings_order_line_id_order_lines"),
}
LEVEL_KEYS = {  # dropped by 0026
    (table, f"fk_{table}_{column}_{target}")
    for table in ("stock_levels", "lot_levels")
    for column, target in (
        ("merchant_id", "merchants"),
        ("variant_id", "variants"),
        ("location_id", "locations"),
        ("inventory_type_id", "inventory_types"),
    )
}
KEPT = {
    ("backorders", "fk_backorders_order_line_id_order_lines"),
    ("incidents", "fk_incidents_order_id_orders"),
    ("backorders", "fk_backorders_variant_id_variants"),
    ("incidents", "fk_incidents_channel_id_channels"),
    ("lots", "fk_lots_variant_id_variants"),
}
HOT_TABLES = (orders, order_lines, movements, bookings, backorders, stock_levels)


def foreign_keys(db: Database) -> set[tuple[str, str]]:
    schema = inspect(db.engine)
    return {(t, str(fk["name"])) for t in schema.get_table_names() for fk in schema.get_foreign_keys(t)}


def row_counts(db: Database, merchant_id: int) -> dict[str, int]:
    with db.read() as conn:
        return {
            t.name: conn.execute(select(func.count()).select_from(t).where(t.c.merchant_id == merchant_id)).scalar_one()
            for t in HOT_TABLES
        }


@pytest.mark.parametrize(
    ("revision", "previous", "dropped"),
    [("0008", "0007", DROPPED), ("0009", "0008", STRUCTURAL), ("0026", "0025", LEVEL_KEYS)],
    ids=["0008 catalogue keys", "0009 structural keys", "0026 level keys"],
)
def test_a_migration_drops_its_keys_keeps_the_rest_and_the_data_and_round_trips(
    blank_db: Database, revision: str, previous: str, dropped: set[tuple[str, str]]
) -> None:
    upgrade(blank_db)  # the data is written by today's code on today's schema, then taken back in time
    with blank_db.write() as conn:
        scope = Scope(ensure_merchant(conn, "shop", "shop"), "test", 1_000_000_000)
    o.shop(blank_db, scope)
    f.receive(blank_db, scope, "TEE", 2, "WH1")
    o.order(blank_db, scope, "C1", ("TEE", 4))  # 2 booked, 2 owed: an order, a line, bookings, a backorder
    counts = row_counts(blank_db, scope.merchant_id)
    assert all(counts.values()), counts

    downgrade(blank_db, previous)
    before = foreign_keys(blank_db)
    assert before >= dropped | KEPT
    assert row_counts(blank_db, scope.merchant_id) == counts

    upgrade(blank_db, revision)
    assert foreign_keys(blank_db) == before - dropped
    assert row_counts(blank_db, scope.merchant_id) == counts

    downgrade(blank_db, previous)
    assert foreign_keys(blank_db) == before
    upgrade(blank_db, revision)
    assert foreign_keys(blank_db) == before - dropped
    assert row_counts(blank_db, scope.merchant_id) == counts

    upgrade(blank_db)
    assert row_counts(blank_db, scope.merchant_id) == counts
    assert verify(blank_db, scope) == []
    o.order(blank_db, scope, "C2", ("TEE", 1))  # the rebuilt tables still take orders
    assert verify(blank_db, scope) == []


def _an_order(db: Database, scope: Scope) -> tuple[int, int, int, int, int]:
    """A shop with one order of 2 TEE: (order id, its line id, TEE's, WH1's and good's ids)."""
    o.shop(db, scope)
    f.receive(db, scope, "TEE", 5, "WH1")
    placed = o.order(db, scope, "C1", ("TEE", 2))
    assert verify(db, scope) == []
    m = scope.merchant_id
    with db.read() as conn:
        tee, wh1, good = variant_id(conn, m, "TEE"), location_id(conn, m, "WH1"), inventory_type_id(conn, m, "good")
        line = conn.execute(select(order_lines.c.id).where(order_lines.c.order_id == placed.id)).scalar_one()
    return int(placed.id), int(line), tee, wh1, good


def test_verify_names_rows_whose_catalogue_row_is_missing_and_nothing_else(db: Database, scope: Scope) -> None:
    _, line, tee, wh1, good = _an_order(db, scope)
    m, at = scope.merchant_id, db_time(utcnow())
    with db.write() as conn:  # written behind the services' back: the database no longer refuses these
        missing = 1 + max(tee, wh1, good, line) + 10_000_000
        movement = dict(merchant_id=m, at=at, actor="raw", kind="receive", location_id=wh1, lot="")
        movement |= dict(inventory_type_id=good, on_hand_delta=3, booked_delta=0)
        conn.execute(insert(movements).values(**movement, variant_id=missing))
        booking = dict(merchant_id=m, order_line_id=line, variant_id=tee, inventory_type_id=good, quantity=1)
        conn.execute(insert(bookings).values(**booking, location_id=missing, shipped=0, released=0, created_at=at))
        order = dict(merchant_id=m, external_id="raw", strict=False, status="open", created_at=at, updated_at=at)
        conn.execute(insert(orders).values(**order, channel_id=missing))
        nobody = dict(movement, merchant_id=missing, variant_id=tee, on_hand_delta=0)
        conn.execute(insert(movements).values(**nobody))
    try:
        assert verify(db, scope) == [
            Difference(f"variant #{missing}", "WH1", "good", None, "on_hand", 3, 0),
            Difference(f"variant #{missing}", "WH1", "good", "(none)", "lot on_hand", 3, 0),
            Orphan("orders", "channel_id", missing, 1),
            Orphan("movements", "variant_id", missing, 1),
            Orphan("bookings", "location_id", missing, 1),
            Orphan("movements", "merchant_id", missing, 1),
        ]
        assert "which no merchant has" in str(Orphan("movements", "merchant_id", missing, 1))
    finally:  # a row of no merchant is in every merchant's audit: leave none for the next test
        with db.write() as conn:
            conn.execute(delete(movements).where(movements.c.merchant_id == missing))


def test_verify_names_a_line_naming_another_merchants_variant(db: Database, scope: Scope) -> None:
    o.shop(db, scope)
    f.receive(db, scope, "TEE", 5, "WH1")
    placed = o.order(db, scope, "C1", ("TEE", 1))
    with db.write() as conn:
        other = Scope(ensure_merchant(conn, f"other-{scope.merchant_id}", "other"), "test", 1_000_000_000)
    f.variant(db, other, "THEIRS")
    with db.write() as conn:
        theirs = variant_id(conn, other.merchant_id, "THEIRS")
        conn.execute(
            insert(order_lines).values(
                merchant_id=scope.merchant_id,
                order_id=placed.id,
                line_no=2,
                variant_id=theirs,
                quantity=1,
                fulfilled=0,
                cancelled=0,
                returned=0,
            )
        )
    assert verify(db, scope) == [Orphan("order_lines", "variant_id", theirs, 1)]
    assert verify(db, other) == []


def test_verify_names_lines_bookings_and_movements_whose_order_or_line_is_missing(db: Database, scope: Scope) -> None:
    order_id, line, tee, wh1, good = _an_order(db, scope)
    m, at = scope.merchant_id, db_time(utcnow())
    with db.write() as conn:  # written behind the services' back: the database no longer refuses these
        no_order = 1 + order_id + 10_000_000
        no_line = 1 + line + 10_000_000
        conn.execute(
            insert(order_lines).values(
                merchant_id=m, order_id=no_order, line_no=1, variant_id=tee, quantity=1, fulfilled=0, cancelled=0,
                returned=0,
            )
        )  # fmt: skip
        booking = dict(merchant_id=m, variant_id=tee, location_id=wh1, inventory_type_id=good, quantity=1)
        conn.execute(insert(bookings).values(**booking, order_line_id=no_line, shipped=0, released=0, created_at=at))
        movement = dict(merchant_id=m, at=at, actor="raw", kind="book", variant_id=tee, location_id=wh1, lot="")
        movement |= dict(inventory_type_id=good, on_hand_delta=0, booked_delta=0, order_line_id=no_line)
        conn.execute(insert(movements).values(**movement))
    assert verify(db, scope) == [
        Orphan("order_lines", "order_id", no_order, 1),
        Orphan("movements", "order_line_id", no_line, 1),
        Orphan("bookings", "order_line_id", no_line, 1),
    ]
    assert str(Orphan("bookings", "order_line_id", no_line, 1)) == (
        f"1 bookings row(s) name order_line_id {no_line}, which this merchant does not have"
    )


def test_verify_names_a_booking_of_another_merchants_line(db: Database, scope: Scope) -> None:
    o.shop(db, scope)
    f.receive(db, scope, "TEE", 5, "WH1")
    with db.write() as conn:
        other = Scope(ensure_merchant(conn, f"other-line-{scope.merchant_id}", "other"), "test", 1_000_000_000)
    o.shop(db, other)
    f.receive(db, other, "TEE", 5, "WH1")
    theirs = o.order(db, other, "C9", ("TEE", 1))
    with db.write() as conn:
        m, at = scope.merchant_id, db_time(utcnow())
        their_line = conn.execute(select(order_lines.c.id).where(order_lines.c.order_id == theirs.id)).scalar_one()
        tee, wh1, good = variant_id(conn, m, "TEE"), location_id(conn, m, "WH1"), inventory_type_id(conn, m, "good")
        booking = dict(merchant_id=m, variant_id=tee, location_id=wh1, inventory_type_id=good, quantity=1)
        conn.execute(insert(bookings).values(**booking, order_line_id=their_line, shipped=0, released=0, created_at=at))
    assert verify(db, scope) == [Orphan("bookings", "order_line_id", their_line, 1)]
    assert verify(db, other) == []


def test_verify_names_levels_whose_catalogue_row_is_missing(db: Database, scope: Scope) -> None:
    _, _, tee, wh1, good = _an_order(db, scope)
    m, at = scope.merchant_id, db_time(utcnow())
    missing = 1 + max(tee, wh1, good) + 10_000_000
    with db.write() as conn:  # written behind the services' back: the database no longer refuses these
        level = dict(merchant_id=m, variant_id=tee, inventory_type_id=good, on_hand=0)
        conn.execute(insert(stock_levels).values(**level, location_id=missing, booked=0, updated_at=at))
        conn.execute(insert(lot_levels).values(**level, location_id=missing, lot=""))
        conn.execute(insert(lot_levels).values(**(level | {"variant_id": missing}), location_id=wh1, lot="L1"))
    assert verify(db, scope) == [
        Orphan("stock_levels", "location_id", missing, 1),
        Orphan("lot_levels", "variant_id", missing, 1),
        Orphan("lot_levels", "location_id", missing, 1),
    ]
