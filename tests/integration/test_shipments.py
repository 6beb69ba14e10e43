"""A supplier's shipment of a drop-ship purchase order (tracking back) on both backends: it ships the
order lines it covers through the fulfilment path, moves the purchase order, is recorded once per
tracking number, refuses what it cannot ship (writing nothing), and feeds the supplier's reliability."""

from __future__ import annotations

import pytest

from tests import order_factories as o
from tests.purchase_factories import sent, two_suppliers
from truecount.adapters.db.engine import Database
from truecount.domain.errors import Conflict, InvalidInput, NotFound
from truecount.domain.shipments import ShipLine, ShipPurchaseOrder
from truecount.services.common.scope import Scope
from truecount.services.orders.views import get_order
from truecount.services.purchasing import records
from truecount.services.purchasing.tardy import supplier_reliability
from truecount.services.shipping.ship import ship_purchase_order
from truecount.services.stock.levels import history
from truecount.services.stock.verify import verify


def acme_po(db: Database, scope: Scope) -> records.PurchaseOrderView:
    (po,) = records.list_purchase_orders(db, scope, supplier="ACME")
    return po


def test_a_partial_then_the_rest_ships_the_order_lines_and_closes_the_purchase_order(
    db: Database, scope: Scope
) -> None:
    two_suppliers(db, scope)
    placed = o.order(db, scope, "W1", ("SNK", 3), ("TEE", 2))
    sent(db, scope)
    po = acme_po(db, scope)
    assert po.state == "sent"
    first = ship_purchase_order(
        db, scope, po.id, ShipPurchaseOrder("UPS", "1Z001", "https://ups.example/1Z001", (ShipLine("SNK", 2),)), "cli"
    )
    assert first.created and first.purchase_order.state == "shipped"
    assert [(x.sku, x.shipped, x.open) for x in first.purchase_order.lines] == [("SNK", 2, 1)]
    assert (first.shipment.carrier, first.shipment.tracking, first.shipment.source) == ("UPS", "1Z001", "cli")
    assert first.shipment.tracking_url == "https://ups.example/1Z001"
    assert [(x.external_id, x.line, x.sku, x.quantity) for x in first.shipment.lines] == [("W1", 1, "SNK", 2)]
    order = get_order(db, scope, placed.id)
    snk = order.lines[0]
    assert (snk.fulfilled, snk.bookings[0].location, snk.bookings[0].shipped) == (2, "DS-A", 2)
    assert order.status == "open"  # one SNK and the TEEs still to ship
    ships = [h for h in history(db, scope, "SNK") if h.kind == "ship"]
    assert [(h.location, h.on_hand_delta, h.booked_delta) for h in ships] == [("DS-A", -2, -2)]
    assert ships[0].reason == f"shipped by supplier ACME ({po.number}): UPS 1Z001"
    shipped_at = first.purchase_order.shipped_at
    rest = ship_purchase_order(db, scope, po.id, ShipPurchaseOrder("UPS", "1Z002"), "api")  # everything still open
    assert rest.purchase_order.state == "closed" and rest.purchase_order.closed_at is not None
    assert rest.purchase_order.shipped_at == shipped_at  # the first shipment's time is kept
    assert [x.quantity for x in rest.shipment.lines] == [1]
    assert [s.tracking for s in records.get_purchase_order(db, scope, po.id).shipments] == ["1Z001", "1Z002"]
    assert get_order(db, scope, placed.id).lines[0].fulfilled == 3
    figures = supplier_reliability(db, scope, "ACME")
    assert (figures.sent, figures.shipped, figures.on_time_percent) == (1, 1, 100.0)
    assert verify(db, scope) == []


def test_the_same_tracking_again_is_the_same_shipment_and_other_lines_under_it_are_refused(
    db: Database, scope: Scope
) -> None:
    two_suppliers(db, scope)
    o.order(db, scope, "W1", ("SNK", 3))
    sent(db, scope)
    po = acme_po(db, scope)
    command = ShipPurchaseOrder("DHL", "JD0001", lines=(ShipLine("SNK", 1),))
    assert ship_purchase_order(db, scope, po.id, command, "cli").created
    again = ship_purchase_order(db, scope, po.id, command, "csv")
    assert not again.created and again.shipment.source == "cli"
    assert acme_po(db, scope).lines[0].shipped == 1 and len(acme_po(db, scope).shipments) == 1
    with pytest.raises(Conflict) as other:
        ship_purchase_order(db, scope, po.id, ShipPurchaseOrder("DHL", "JD0001", lines=(ShipLine("SNK", 2),)), "cli")
    assert other.value.field == "tracking"
    keyed = ShipPurchaseOrder("DHL", "JD0002", lines=(ShipLine("SNK", 1),))
    assert ship_purchase_order(db, scope, po.id, keyed, "api", key="k-1").created
    assert ship_purchase_order(db, scope, po.id, keyed, "api", key="k-1").replayed
    assert acme_po(db, scope).lines[0].shipped == 2
    assert verify(db, scope) == []


def test_refusals_name_the_field_and_write_nothing(db: Database, scope: Scope) -> None:
    two_suppliers(db, scope)
    o.order(db, scope, "W1", ("SNK", 3))
    po = acme_po(db, scope)
    with pytest.raises(Conflict) as draft:
        ship_purchase_order(db, scope, po.id, ShipPurchaseOrder("UPS", "1Z1"), "cli")
    assert draft.value.field == "state" and "is draft" in draft.value.message
    sent(db, scope)
    cases = [
        (ShipPurchaseOrder("UPS", "  "), "tracking"),
        (ShipPurchaseOrder("", "1Z1"), "carrier"),
        (ShipPurchaseOrder("UPS", "1Z 1"), "tracking"),
        (ShipPurchaseOrder("UPS", "1Z1", "ftp://x"), "tracking_url"),
        (ShipPurchaseOrder("UPS", "1Z1", lines=(ShipLine("CAP", 1),)), "lines[0].sku"),
        (ShipPurchaseOrder("UPS", "1Z1", lines=(ShipLine("SNK", 2), ShipLine("SNK", 2))), "lines[1].quantity"),
        (ShipPurchaseOrder("UPS", "1Z1", lines=(ShipLine("SNK", 0),)), "lines[0].quantity"),
    ]
    for command, field in cases:
        with pytest.raises(InvalidInput) as refused:
            ship_purchase_order(db, scope, po.id, command, "cli")
        assert refused.value.field == field, (command, refused.value)
    with pytest.raises(NotFound):
        ship_purchase_order(db, scope, po.id + 1000, ShipPurchaseOrder("UPS", "1Z1"), "cli")
    after = acme_po(db, scope)
    assert (after.state, after.lines[0].shipped, after.shipments) == ("sent", 0, [])
    assert [h for h in history(db, scope, "SNK") if h.kind == "ship"] == []
    records.cancel(db, scope, po.id)
    with pytest.raises(Conflict) as cancelled:
        ship_purchase_order(db, scope, po.id, ShipPurchaseOrder("UPS", "1Z1"), "cli")
    assert "is cancelled" in cancelled.value.message


def test_a_cancel_of_the_rest_of_the_customers_order_closes_a_partly_shipped_purchase_order(
    db: Database, scope: Scope
) -> None:
    two_suppliers(db, scope)
    placed = o.order(db, scope, "W1", ("SNK", 3))
    sent(db, scope)
    po = acme_po(db, scope)
    ship_purchase_order(db, scope, po.id, ShipPurchaseOrder("UPS", "1Z1", lines=(ShipLine("SNK", 1),)), "cli")
    o.change(db, scope, "cancel", placed.id)
    after = acme_po(db, scope)
    assert (after.state, after.lines[0].shipped, after.lines[0].cancelled, after.notice) == ("closed", 1, 2, "amended")
    with pytest.raises(Conflict):
        ship_purchase_order(db, scope, po.id, ShipPurchaseOrder("UPS", "1Z2"), "cli")
    assert verify(db, scope) == []
