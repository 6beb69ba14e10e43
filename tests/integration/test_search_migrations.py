"""Migrations 0036 and 0037 on a database holding stock: the search indexes cover the rows already
there, each place's feeds flag and each variant's available figure are filled in from the levels
(bins under a place not for sale, a non-sellable type, a variant with no stock), and they
round-trip (both backends)."""

from __future__ import annotations

from sqlalchemy import text

from truecount.adapters.db.engine import Database
from truecount.adapters.db.migrate import downgrade, upgrade
from truecount.entrypoints.web import stock_search
from truecount.services.common.available import available_drift
from truecount.services.common.scope import Scope

AT = "'2026-01-01'"
ROWS = [
    f"INSERT INTO merchants (id, code, name, created_at) VALUES (1, 'm', 'm', {AT})",
    f"INSERT INTO products (id, merchant_id, name, created_at) VALUES (1, 1, 'Blue tee', {AT})",
    *(
        "INSERT INTO variants (id, merchant_id, product_id, sku, options, tracked, discontinued, is_bundle, created_at)"
        f" VALUES ({i}, 1, 1, '{sku}', '{{}}', :t, :f, :f, {AT})"
        for i, sku in ((1, "TEE-S"), (2, "TEE-M"), (3, "CAP"))
    ),
    *(
        "INSERT INTO locations (id, merchant_id, code, name, kind, parent_id, saleable, priority, created_at)"
        f" VALUES ({i}, 1, '{code}', '{code}', 'warehouse', {parent}, {saleable}, 100, {AT})"
        for i, code, parent, saleable in ((1, "WH", "NULL", ":t"), (2, "QC", "NULL", ":f"), (3, "QC-1", "2", ":t"))
    ),
    "INSERT INTO inventory_types (id, merchant_id, code, sellable) VALUES (1, 1, 'good', :t), (2, 1, 'damaged', :f)",
    *(
        "INSERT INTO stock_levels (merchant_id, variant_id, location_id, inventory_type_id, on_hand, booked,"
        f" updated_at) VALUES (1, {v}, {loc}, {t}, {on_hand}, {booked}, {AT})"
        for v, loc, t, on_hand, booked in ((1, 1, 1, 9, 2), (1, 3, 1, 50, 0), (1, 1, 2, 4, 0), (2, 2, 1, 8, 0))
    ),
]


def test_stock_written_before_is_searched_and_figured_and_the_migrations_round_trip(blank_db: Database) -> None:
    upgrade(blank_db, "0035")
    with blank_db.write() as conn:
        for sql in ROWS:
            conn.execute(text(sql), {"t": True, "f": False})
    upgrade(blank_db)
    with blank_db.read() as conn:
        feeds = dict(conn.execute(text("SELECT code, feeds FROM locations ORDER BY id")).all())
        figures = dict(conn.execute(text("SELECT variant_id, available FROM variant_available")).all())
        assert available_drift(conn, 1) == []
    assert {code: bool(flag) for code, flag in feeds.items()} == {"WH": True, "QC": False, "QC-1": False}
    assert {v: int(a) for v, a in figures.items()} == {1: 7, 2: 0, 3: 0}
    scope = Scope(1, "test")
    assert [r.sku for r in stock_search.search(blank_db, scope, "tee-")] == ["TEE-M", "TEE-S"]
    assert [r.sku for r in stock_search.search(blank_db, scope, "", "out")] == ["CAP", "TEE-M"]
    downgrade(blank_db, "0035")
    upgrade(blank_db)
    assert [r.sku for r in stock_search.search(blank_db, scope, "blue")] == ["CAP", "TEE-M", "TEE-S"]
