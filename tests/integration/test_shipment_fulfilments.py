"""A shipment queues a fulfilment push with its tracking for each channel order it ships (a channel
whose API takes fulfilments), in its own transaction: one per shipment and order, none for a manual
channel's order, nothing new when the same shipment is recorded again (on both backends)."""

from __future__ import annotations

from tests import order_factories as o
from tests.purchase_factories import two_suppliers
from tests.smtp_server import smtp_server
from truecount.adapters.channels.base import FulfilmentLine
from truecount.adapters.db.engine import Database
from truecount.domain.shipments import ShipLine, ShipPurchaseOrder
from truecount.services.common.scope import Scope
from truecount.services.purchasing import records
from truecount.services.purchasing.sending import send_purchase_order
from truecount.services.shipping.ship import ship_purchase_order
from truecount.services.sync.fulfilments import fulfilments


def test_each_channel_order_a_shipment_ships_gets_one_push_with_the_tracking(db: Database, scope: Scope) -> None:
    two_suppliers(db, scope, send="17:00")  # collected: both orders on one purchase order
    o.channel(db, scope, "shop", ["DS-A"], kind="shopify")
    shop_order = o.order(db, scope, "#1001", ("SNK", 3), channel="shop")
    o.order(db, scope, "W1", ("SNK", 1))  # a manual channel's order: nobody to tell
    (po,) = records.list_purchase_orders(db, scope, supplier="ACME")
    with smtp_server() as (_inbox, mailer):
        send_purchase_order(db, scope, po.id, mailer, 60.0)
    url = "https://ups.example/1Z1"
    first = ShipPurchaseOrder("UPS", "1Z1", url, (ShipLine("SNK", 2),))  # the oldest line first: #1001's
    ship_purchase_order(db, scope, po.id, first, "api")
    ship_purchase_order(db, scope, po.id, first, "api")  # the same shipment again: nothing new
    with db.read() as conn:
        (pushed,) = fulfilments(conn, scope.merchant_id)
    assert (pushed.order_ref, pushed.carrier, pushed.tracking, pushed.tracking_url) == ("#1001", "UPS", "1Z1", url)
    assert (pushed.lines, pushed.complete, pushed.state) == ((FulfilmentLine("SNK", 2),), False, "queued")
    assert pushed.key.startswith(f"order:{shop_order.id}:")
    ship_purchase_order(db, scope, po.id, ShipPurchaseOrder("DHL", "JD9"), "api")  # the rest of both orders
    with db.read() as conn:
        pushes = fulfilments(conn, scope.merchant_id)
    assert sorted((p.order_ref, p.tracking, p.lines, p.complete) for p in pushes) == [
        ("#1001", "1Z1", (FulfilmentLine("SNK", 2),), False),
        ("#1001", "JD9", (FulfilmentLine("SNK", 1),), True),
    ]
