"""Migration 0030 gives variants a unit cost and work orders a consumed cost: a work order that
consumed nothing yet starts at 0, one that consumed before it has an unknown cost; it round-trips."""

from __future__ import annotations

from sqlalchemy import inspect, text

from truecount.adapters.db.engine import Database
from truecount.adapters.db.migrate import downgrade, upgrade

ROWS = [
    "INSERT INTO merchants (id, code, name, created_at) VALUES (1, 'm', 'm', '2026-01-01')",
    "INSERT INTO products (id, merchant_id, name, created_at) VALUES (1, 1, 'p', '2026-01-01')",
    "INSERT INTO variants (id, merchant_id, product_id, sku, options, tracked, discontinued, is_bundle, created_at)"
    " VALUES (1, 1, 1, 'KIT', '{}', :t, :f, :f, '2026-01-01')",
    "INSERT INTO locations (id, merchant_id, code, name, kind, saleable, priority, created_at)"
    " VALUES (1, 1, 'WH', 'WH', 'warehouse', :t, 100, '2026-01-01')",
    "INSERT INTO work_orders (id, merchant_id, variant_id, location_id, quantity, produced, scrapped, status,"
    " created_by, created_at, updated_at) VALUES (1, 1, 1, 1, 3, 2, 0, 'in_progress', 'x', '2026-01-01', '2026-01-01')",
    "INSERT INTO work_orders (id, merchant_id, variant_id, location_id, quantity, produced, scrapped, status,"
    " created_by, created_at, updated_at) VALUES (2, 1, 1, 1, 3, 0, 0, 'released', 'x', '2026-01-01', '2026-01-01')",
]


def test_work_orders_that_consumed_before_have_an_unknown_cost_and_it_round_trips(blank_db: Database) -> None:
    upgrade(blank_db, "0029")
    with blank_db.write() as conn:
        for sql in ROWS:
            conn.execute(text(sql), {"t": True, "f": False})
    upgrade(blank_db, "0030")
    with blank_db.read() as conn:
        found = conn.execute(text("SELECT id, consumed_cost, cost_unknown FROM work_orders ORDER BY id")).all()
        assert conn.execute(text("SELECT unit_cost FROM variants")).scalar() is None
    assert [(i, None if c is None else float(c), u) for i, c, u in found] == [
        (1, None, "consumed before costs were kept"),
        (2, 0.0, None),
    ]
    downgrade(blank_db, "0029")
    assert "unit_cost" not in {c["name"] for c in inspect(blank_db.engine).get_columns("variants")}
    upgrade(blank_db, "0030")
    assert "cost_unknown" in {c["name"] for c in inspect(blank_db.engine).get_columns("work_orders")}
