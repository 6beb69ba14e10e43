"""Migration 0018 makes every bundle a kit sold virtually and every variant for sale, keeps the
data, and round-trips (down and up again)."""

from __future__ import annotations

from sqlalchemy import inspect, text

from truecount.adapters.db.engine import Database
from truecount.adapters.db.migrate import downgrade, upgrade


def test_bundles_become_virtual_kits_and_variants_stay_for_sale(blank_db: Database) -> None:
    upgrade(blank_db, "0017")
    with blank_db.write() as conn:
        conn.execute(text("INSERT INTO merchants (id, code, name, created_at) VALUES (1, 'm', 'm', '2026-01-01')"))
        conn.execute(text("INSERT INTO products (id, merchant_id, name, created_at) VALUES (1, 1, 'p', '2026-01-01')"))
        for vid, sku, bundle in ((1, "MUG", False), (2, "TWIN", True)):
            conn.execute(
                text(
                    "INSERT INTO variants (id, merchant_id, product_id, sku, options, tracked, discontinued, is_bundle,"
                    " created_at) VALUES (:id, 1, 1, :sku, '{}', :t, :f, :bundle, '2026-01-01')"
                ),
                {"id": vid, "sku": sku, "bundle": bundle, "t": True, "f": False},
            )
    upgrade(blank_db)
    with blank_db.read() as conn:
        found = conn.execute(text("SELECT sku, assembly, for_sale FROM variants ORDER BY sku")).all()
    assert [(s, a, bool(f)) for s, a, f in found] == [("MUG", None, True), ("TWIN", "virtual", True)]
    assert {"work_orders", "work_order_holds"} <= set(inspect(blank_db.engine).get_table_names())
    downgrade(blank_db, "0017")
    assert "work_orders" not in set(inspect(blank_db.engine).get_table_names())
    upgrade(blank_db)
    with blank_db.read() as conn:
        assert conn.execute(text("SELECT assembly FROM variants WHERE sku = 'TWIN'")).scalar() == "virtual"
