"""The stock screen's queries on both backends: places rolled up, filters, and the live feed's change scan."""

from __future__ import annotations

from tests import factories as f
from truecount.adapters.db.engine import Database
from truecount.entrypoints.web import dashboard, stock_search
from truecount.services.catalog import records as catalog
from truecount.services.common.scope import Scope


def test_the_live_feed_sees_only_this_merchants_movements_since_an_id(db: Database, scope: Scope) -> None:
    f.location(db, scope, "WH1")
    f.variant(db, scope, "A")
    f.variant(db, scope, "B")
    with db.write() as conn:
        other = Scope(catalog.ensure_merchant(conn, f"o-{scope.merchant_id}", "other"), "t")
    f.location(db, other, "WH1")
    f.variant(db, other, "A")
    start = dashboard.latest_movement_id(db)
    f.receive(db, scope, "B", 1, "WH1")
    f.receive(db, other, "A", 1, "WH1")
    f.receive(db, scope, "A", 1, "WH1")
    newest = dashboard.latest_movement_id(db)
    assert newest >= start + 3
    assert [sku for _, sku in dashboard.changed_since(db, scope, start, newest)] == ["B", "A"]
    assert dashboard.changed_since(db, scope, newest, newest) == []


def test_search_rolls_bins_into_their_location_and_keeps_unsaleable_stock_apart(db: Database, scope: Scope) -> None:
    f.location(db, scope, "WH1")
    f.location(db, scope, "WH1-A", parent="WH1")
    f.location(db, scope, "WH1-Q", parent="WH1", saleable=False)
    f.variant(db, scope, "TEE", barcodes=["123456"])
    f.receive(db, scope, "TEE", 3, "WH1-A")
    f.receive(db, scope, "TEE", 4, "WH1")
    f.receive(db, scope, "TEE", 2, "WH1-Q")
    f.receive(db, scope, "TEE", 1, "WH1", inventory_type="damaged")
    (row,) = stock_search.search(db, scope, "123456")
    places = [(p.location, p.saleable, p.inventory_type, p.on_hand) for p in row.places]
    assert places == [("WH1", True, "damaged", 1), ("WH1", True, "good", 7), ("WH1", False, "good", 2)]
    assert (row.on_hand, row.sellable, row.status(5)) == (10, 7, "ok")
    assert row.status(7) == "low"
