"""Group commit (several orders per transaction) keeps every guarantee of one order per transaction."""

from __future__ import annotations

from tests import factories as f
from tests import order_factories as o
from truecount.adapters.db.engine import Database
from truecount.domain.commands import OrderLineSpec, PlaceOrder
from truecount.services.common.scope import Scope
from truecount.services.orders.place import place_orders
from truecount.services.orders.views import list_orders
from truecount.services.stock import levels as stock_service
from truecount.services.stock.verify import verify


def test_a_refused_strict_order_in_a_batch_books_nothing_and_the_others_stand(db: Database, scope: Scope) -> None:
    o.shop(db, scope, "TEE", "MUG")
    f.receive(db, scope, "TEE", 3, "WH1")
    f.receive(db, scope, "MUG", 1, "WH1")
    batch = [
        PlaceOrder("web", "G1", [OrderLineSpec("TEE", 2)], strict=True),
        PlaceOrder("web", "G2", [OrderLineSpec("TEE", 1), OrderLineSpec("MUG", 2)], strict=True),
        PlaceOrder("web", "G3", [OrderLineSpec("MUG", 1)], strict=True),
        PlaceOrder("web", "G1", [OrderLineSpec("TEE", 2)], strict=True),
    ]
    first, refused, third, repeat = place_orders(db, scope, batch)
    assert refused.error.code == "insufficient_stock"
    assert [(d["sku"], d["missing"]) for d in refused.error.details] == [("MUG", 1)]
    assert repeat.id == first.id and repeat.replayed is True
    assert third.lines[0].bookings[0].open == 1
    assert sorted(order.external_id for order in list_orders(db, scope)) == ["G1", "G3"]
    booked = {r.sku: r.booked for r in stock_service.stock(db, scope) if r.location == "WH1"}
    assert booked == {"TEE": 2, "MUG": 1}
    assert verify(db, scope) == []
