"""The sync work's order port: a channel's created, cancelled and refunded events reach the orders service."""

from __future__ import annotations

from tests import factories as f
from tests import order_factories as o
from truecount.adapters.channels.base import ChannelOrder, OrderLine
from truecount.adapters.db.engine import Database
from truecount.services.common.scope import Scope
from truecount.services.orders.channel_orders import OrdersServiceSink
from truecount.services.orders.fulfilment import change_order
from truecount.services.orders.views import list_orders
from truecount.services.stock import levels as stock_service
from truecount.services.stock.verify import verify


def level(db: Database, scope: Scope, sku: str, location: str) -> tuple[int, int]:
    rows = [r for r in stock_service.stock(db, scope, sku) if r.location == location]
    return (rows[0].on_hand, rows[0].booked) if rows else (0, 0)


def test_a_created_event_is_ingested_once_however_often_it_is_delivered(db: Database, scope: Scope) -> None:
    o.shop(db, scope)
    f.receive(db, scope, "TEE", 2, "WH1")
    event = ChannelOrder("S-1", "created", "ev-1", [OrderLine("TEE", 3)])
    first = OrdersServiceSink().apply(db, scope, "web", event, "ev-1")
    again = OrdersServiceSink().apply(db, scope, "web", event, "ev-1")
    assert again.id == first.id
    assert first.lines[0].backorder.open == 1
    assert len(list_orders(db, scope)) == 1
    assert level(db, scope, "TEE", "WH1") == (2, 2)


def test_a_cancelled_event_releases_the_bookings(db: Database, scope: Scope) -> None:
    o.shop(db, scope)
    f.receive(db, scope, "TEE", 5, "WH1")
    sink = OrdersServiceSink()
    sink.apply(db, scope, "web", ChannelOrder("S-2", "created", "ev-1", [OrderLine("TEE", 3)]), "ev-1")
    cancelled = sink.apply(db, scope, "web", ChannelOrder("S-2", "cancelled", "ev-2"), "ev-2")
    assert cancelled.status == "cancelled"
    assert level(db, scope, "TEE", "WH1") == (5, 0)
    assert verify(db, scope) == []


def test_a_refund_returns_what_was_shipped_and_cancels_the_open_rest(db: Database, scope: Scope) -> None:
    o.shop(db, scope)
    f.receive(db, scope, "TEE", 5, "WH1")
    sink = OrdersServiceSink()
    placed = sink.apply(db, scope, "web", ChannelOrder("S-3", "created", "ev-1", [OrderLine("TEE", 4)]), "ev-1")
    change_order(db, scope, "fulfil", placed.id, [o.LineChange("TEE", 1)])
    refund = ChannelOrder("S-3", "refunded", "ev-3", [OrderLine("TEE", 3)])
    refunded = sink.apply(db, scope, "web", refund, "ev-3")
    line = refunded.lines[0]
    assert (line.fulfilled, line.returned, line.cancelled) == (1, 1, 2)
    assert level(db, scope, "TEE", "WH1") == (5, 1)
    sink.apply(db, scope, "web", refund, "ev-3")  # a repeat changes nothing
    assert level(db, scope, "TEE", "WH1") == (5, 1)
    assert verify(db, scope) == []
