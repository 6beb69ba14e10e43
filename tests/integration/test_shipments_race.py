"""Two shipments of one purchase order at once never ship more than it asks: the second waits on the
purchase order's lock (PostgreSQL ``FOR UPDATE``; SQLite's writers are serialised) and then sees what
the first shipped."""

from __future__ import annotations

import threading

from tests import order_factories as o
from tests.integration.test_backorder_cancel_race import wait_until_a_client_waits_on_a_lock
from tests.purchase_factories import sent, two_suppliers
from truecount.adapters.db.engine import Database
from truecount.domain.errors import InvalidInput, TruecountError
from truecount.domain.shipments import ShipLine, ShipPurchaseOrder
from truecount.services.common.scope import Scope
from truecount.services.orders.views import get_order
from truecount.services.purchasing import records
from truecount.services.shipping.ship import ship_in, ship_purchase_order
from truecount.services.stock.levels import history
from truecount.services.stock.verify import verify


def test_two_shipments_of_one_purchase_order_at_once_do_not_over_ship(db: Database, scope: Scope) -> None:
    two_suppliers(db, scope)
    placed = o.order(db, scope, "W1", ("SNK", 3))
    sent(db, scope)
    (po,) = records.list_purchase_orders(db, scope, supplier="ACME")
    outcome: list[object] = []

    def second() -> None:
        command = ShipPurchaseOrder("DHL", "JD2", lines=(ShipLine("SNK", 2),))
        try:
            outcome.append(ship_purchase_order(db, scope, po.id, command, "api"))
        except InvalidInput as refused:
            outcome.append(refused)

    with db.write() as conn:  # the first shipment, holding the purchase order until it commits
        ship_in(conn, scope, po.id, ShipPurchaseOrder("UPS", "1Z1", lines=(ShipLine("SNK", 2),)), "cli")
        racer = threading.Thread(target=second)
        racer.start()
        wait_until_a_client_waits_on_a_lock(db)
    racer.join(timeout=60)
    (refused,) = outcome
    assert isinstance(refused, InvalidInput) and refused.field == "lines[0].quantity"
    assert "only 1 of SNK open" in refused.message
    after = records.get_purchase_order(db, scope, po.id)
    assert ([x.shipped for x in after.lines], [s.tracking for s in after.shipments]) == ([2], ["1Z1"])
    assert get_order(db, scope, placed.id).lines[0].fulfilled == 2
    assert sum(-h.on_hand_delta for h in history(db, scope, "SNK") if h.kind == "ship") == 2
    assert verify(db, scope) == []


def test_three_shipments_racing_freely_ship_each_unit_once(db: Database, scope: Scope) -> None:
    rounds = 3
    two_suppliers(db, scope)
    o.order(db, scope, "W1", ("SNK", 4))
    sent(db, scope)
    (po,) = records.list_purchase_orders(db, scope, supplier="ACME")
    results: list[object] = []
    barrier = threading.Barrier(rounds)

    def ship(i: int) -> None:
        barrier.wait()
        try:
            results.append(
                ship_purchase_order(
                    db, scope, po.id, ShipPurchaseOrder("UPS", f"T{i}", lines=(ShipLine("SNK", 2),)), "api"
                )
            )
        except TruecountError as refused:
            results.append(refused)

    threads = [threading.Thread(target=ship, args=(i,)) for i in range(rounds)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "Shipped", "Shipped"]  # the last finds it closed
    after = records.get_purchase_order(db, scope, po.id)
    assert (after.lines[0].shipped, after.state, len(after.shipments)) == (4, "closed", 2)
    assert verify(db, scope) == []
