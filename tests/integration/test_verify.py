"""verify names every way the projection can drift from the ledger: a level, a lot, a row with no movements."""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, insert, update

from tests import factories as f
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.ledger import lot_levels, stock_levels
from truecount.services.common.lookups import inventory_type_id, location_id, variant_id
from truecount.services.common.scope import Scope, db_time, utcnow
from truecount.services.stock.verify import verify


def test_verify_names_a_drifted_lot_a_missing_level_and_a_level_the_ledger_never_wrote(
    db: Database, scope: Scope
) -> None:
    f.location(db, scope, "WH1")
    f.location(db, scope, "WH2")
    f.variant(db, scope, "A")
    f.variant(db, scope, "B")
    f.receive(db, scope, "A", 5, "WH1", lot="L1", expires_on=date(2030, 1, 1))
    f.receive(db, scope, "A", 3, "WH1")
    f.receive(db, scope, "B", 2, "WH1")
    assert verify(db, scope) == []
    m = scope.merchant_id
    with db.write() as conn:  # corrupt the projection behind the service layer's back, three ways
        a, b = variant_id(conn, m, "A"), variant_id(conn, m, "B")
        wh2, good = location_id(conn, m, "WH2"), inventory_type_id(conn, m, "good")
        lots = lot_levels.c
        conn.execute(
            update(lot_levels).where(lots.merchant_id == m, lots.variant_id == a, lots.lot == "L1").values(on_hand=4)
        )
        conn.execute(delete(stock_levels).where(stock_levels.c.merchant_id == m, stock_levels.c.variant_id == b))
        conn.execute(
            insert(stock_levels).values(
                merchant_id=m,
                variant_id=a,
                location_id=wh2,
                inventory_type_id=good,
                on_hand=9,
                booked=0,
                updated_at=db_time(utcnow()),
            )
        )
    found = {(d.sku, d.location, d.lot, d.field, d.ledger, d.stored) for d in verify(db, scope)}
    assert found == {
        ("A", "WH1", "L1", "lot on_hand", 5, 4),
        ("B", "WH1", None, "on_hand", 2, 0),
        ("A", "WH2", None, "on_hand", 0, 9),
    }
