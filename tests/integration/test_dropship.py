"""A line booked at a drop-ship location produces a purchase order to that supplier."""

from __future__ import annotations

from tests import factories as f
from tests import order_factories as o
from truecount.adapters.db.engine import Database
from truecount.services.common.scope import Scope
from truecount.services.orders.dropship import PurchaseLine, list_dropship_orders
from truecount.services.stock.verify import verify


def test_what_is_booked_at_a_drop_ship_supplier_is_one_purchase_order_per_supplier(db: Database, scope: Scope) -> None:
    f.location(db, scope, "WH1", priority=1)
    f.location(db, scope, "ACME", kind="dropship", priority=5)
    for sku in ("SNK", "TEE"):
        f.variant(db, scope, sku)
    o.channel(db, scope, "web", ["WH1", "ACME"])
    f.move(db, scope, "feed", "SNK", "ACME", 20)  # the supplier's figure
    f.receive(db, scope, "TEE", 5, "WH1")
    placed = o.order(db, scope, "D1", ("SNK", 3), ("TEE", 2))
    assert o.booked_at(placed) == [("ACME", 3)] and o.booked_at(placed, 1) == [("WH1", 2)]
    (po,) = list_dropship_orders(db, scope)
    assert (po.order_id, po.external_id, po.supplier) == (placed.id, "D1", "ACME")
    assert po.lines == [PurchaseLine(1, "SNK", 3)]
    o.order(db, scope, "D2", ("TEE", 1))  # nothing at the supplier: no purchase order
    o.order(db, scope, "D1", ("SNK", 3), ("TEE", 2))  # a repeat delivery: recorded once, no second PO
    assert len(list_dropship_orders(db, scope)) == 1
    assert verify(db, scope) == []


def test_a_backorder_the_suppliers_feed_later_covers_becomes_a_purchase_order(db: Database, scope: Scope) -> None:
    f.location(db, scope, "ACME", kind="dropship", priority=5)
    f.variant(db, scope, "SNK")
    o.channel(db, scope, "web", ["ACME"])
    f.move(db, scope, "feed", "SNK", "ACME", 1)
    placed = o.order(db, scope, "D3", ("SNK", 4))  # 1 booked at ACME, 3 owed
    assert [po.lines[0].quantity for po in list_dropship_orders(db, scope)] == [1]
    f.move(db, scope, "feed", "SNK", "ACME", 10)  # the supplier has more: the backorder takes 3
    newest, first = list_dropship_orders(db, scope)
    assert (newest.order_id, newest.lines) == (placed.id, [PurchaseLine(1, "SNK", 3)])
    assert first.lines[0].quantity == 1
    assert verify(db, scope) == []
