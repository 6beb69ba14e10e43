"""A channel whose allocation is ``cheapest`` books a drop-shipped line at the supplier that charges
least for the variant (own stock first; a tie by the fixed priority), on both backends."""

from __future__ import annotations

from tests import factories as f
from tests import order_factories as o
from truecount.adapters.db.engine import Database
from truecount.domain.suppliers import AddSupplier, SetSupplierItem
from truecount.services.common.scope import Scope
from truecount.services.orders.dropship import PurchaseLine, list_dropship_orders
from truecount.services.stock.verify import verify
from truecount.services.suppliers.records import add_supplier, set_supplier_item

SUPPLIERS = (("ACME", "DS-A", 2), ("BOLT", "DS-B", 3), ("CRUX", "DS-C", 4))


def three_suppliers(db: Database, scope: Scope) -> None:
    f.location(db, scope, "WH1", priority=1)
    for code, location, priority in SUPPLIERS:
        f.location(db, scope, location, kind="dropship", priority=priority)
        add_supplier(db, scope, AddSupplier(code, f"{code} Ltd", f"po@{code.lower()}.example", location))
    for sku in ("SNK", "TEE"):
        f.variant(db, scope, sku)
        for _, location, _ in SUPPLIERS:
            f.move(db, scope, "feed", sku, location, 20)
    f.receive(db, scope, "TEE", 5, "WH1")
    cost(db, scope, "ACME", "SNK", "12.50")
    cost(db, scope, "BOLT", "SNK", "11.04")  # CRUX quotes nothing for SNK
    cost(db, scope, "ACME", "TEE", "3")
    places = ["WH1", "DS-A", "DS-B", "DS-C"]
    o.channel(db, scope, "web", places, allocation="cheapest")
    o.channel(db, scope, "pos", places)  # priority


def cost(db: Database, scope: Scope, supplier: str, sku: str, amount: str) -> None:
    set_supplier_item(db, scope, SetSupplierItem(supplier, sku, amount))


def test_the_cheapest_supplier_takes_a_line_and_gets_the_purchase_order(db: Database, scope: Scope) -> None:
    three_suppliers(db, scope)
    cheapest = o.order(db, scope, "W1", ("SNK", 3), ("TEE", 2))
    assert o.booked_at(cheapest) == [("DS-B", 3)]  # BOLT 11.04 < ACME 12.50; CRUX quotes none
    assert o.booked_at(cheapest, 1) == [("WH1", 2)]  # own stock costs nothing more
    by_priority = o.order(db, scope, "P1", ("SNK", 3), channel="pos")
    assert o.booked_at(by_priority) == [("DS-A", 3)]
    by_priority_po, cheapest_po = list_dropship_orders(db, scope)
    assert [(po.supplier, po.external_id) for po in (by_priority_po, cheapest_po)] == [("DS-A", "P1"), ("DS-B", "W1")]
    assert cheapest_po.lines == [
        PurchaseLine(1, "SNK", 3, "cheapest: BOLT at 11.04 EUR a unit (others: ACME 12.50 EUR, CRUX none quoted)")
    ]
    assert by_priority_po.lines == [PurchaseLine(1, "SNK", 3, None)]  # a priority channel: no cost reason
    cost(db, scope, "BOLT", "SNK", "12.50")  # a tie: the fixed priority decides
    assert o.booked_at(o.order(db, scope, "W2", ("SNK", 4))) == [("DS-A", 4)]
    assert verify(db, scope) == []


def test_a_line_no_supplier_covers_alone_is_split_cheapest_first_and_an_unquoted_supplier_last(
    db: Database, scope: Scope
) -> None:
    three_suppliers(db, scope)
    split = o.order(db, scope, "W3", ("SNK", 30))  # by priority: 20 at DS-A, 10 at DS-B
    assert sorted(o.booked_at(split)) == [("DS-A", 10), ("DS-B", 20)]
    whys = {po.supplier: po.lines[0].why for po in list_dropship_orders(db, scope)}
    assert whys["DS-B"] == "cheapest: BOLT at 11.04 EUR a unit (others: ACME 12.50 EUR, CRUX none quoted)"
    assert (
        whys["DS-A"]
        == "ACME at 12.50 EUR a unit: cheaper BOLT had too few free (others: BOLT 11.04 EUR, CRUX none quoted)"
    )
    rest = o.order(db, scope, "W4", ("SNK", 25))  # DS-A's last 10, then CRUX (unquoted) for the rest
    assert sorted(o.booked_at(rest)) == [("DS-A", 10), ("DS-C", 15)]
    assert verify(db, scope) == []
