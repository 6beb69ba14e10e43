"""Orders on SQLite and PostgreSQL: ingest never refuses, strict books all or nothing, every step is a movement."""

from __future__ import annotations

from datetime import date

import pytest

from tests import factories as f
from tests import order_factories as o
from truecount.adapters.db.engine import Database
from truecount.domain.errors import InsufficientStock, InvalidInput
from truecount.services.common.scope import Scope
from truecount.services.orders.views import list_incidents, list_orders
from truecount.services.stock import levels as stock_service
from truecount.services.stock.verify import verify


def level(db: Database, scope: Scope, sku: str, at: str) -> tuple[int, int]:
    rows = [r for r in stock_service.stock(db, scope, sku) if r.location == at]
    return (rows[0].on_hand, rows[0].booked) if rows else (0, 0)


def test_an_order_books_at_the_first_location_in_priority_order_that_covers_it(db: Database, scope: Scope) -> None:
    o.shop(db, scope)
    f.receive(db, scope, "TEE", 5, "WH1-A")
    f.receive(db, scope, "TEE", 9, "WH2")
    result = o.order(db, scope, "1001", ("TEE", 4))
    assert o.booked_at(result) == [("WH1-A", 4)]
    assert level(db, scope, "TEE", "WH1-A") == (5, 4)
    assert stock_service.history(db, scope, "TEE")[0].kind == "book"
    assert verify(db, scope) == []


def test_a_line_one_location_cannot_cover_is_split_and_the_rest_is_an_oversell_incident(
    db: Database, scope: Scope
) -> None:
    o.shop(db, scope)
    f.receive(db, scope, "TEE", 3, "WH1")
    f.receive(db, scope, "TEE", 2, "WH2")
    f.receive(db, scope, "TEE", 50, "SHOP")  # not for sale: never booked
    result = o.order(db, scope, "1002", ("TEE", 7))
    assert o.booked_at(result) == [("WH1", 3), ("WH2", 2)]
    assert result.lines[0].backorder.open == 2
    (incident,) = list_incidents(db, scope)
    assert (incident.sku, incident.quantity, incident.external_id) == ("TEE", 2, "1002")
    assert verify(db, scope) == []


def test_most_available_books_where_most_is_held(db: Database, scope: Scope) -> None:
    o.shop(db, scope)
    o.channel(db, scope, "amz", ["WH1", "WH2"], allocation="most_available")
    f.receive(db, scope, "TEE", 3, "WH1")
    f.receive(db, scope, "TEE", 9, "WH2")
    assert o.booked_at(o.order(db, scope, "A1", ("TEE", 2), channel="amz")) == [("WH2", 2)]


def test_a_channel_books_only_the_inventory_types_it_sells(db: Database, scope: Scope) -> None:
    o.shop(db, scope)
    f.receive(db, scope, "TEE", 5, "WH1", inventory_type="damaged")
    result = o.order(db, scope, "1003", ("TEE", 1))
    assert o.booked_at(result) == [] and result.lines[0].backorder.open == 1


def test_a_strict_reservation_books_all_lines_or_none_and_names_each_short_line(db: Database, scope: Scope) -> None:
    o.shop(db, scope, "TEE", "MUG", "CAP")
    f.receive(db, scope, "TEE", 5, "WH1")
    f.receive(db, scope, "MUG", 1, "WH1")
    with pytest.raises(InsufficientStock) as refused:
        o.order(db, scope, "till-1", ("TEE", 2), ("MUG", 3), ("CAP", 1), strict=True)
    assert refused.value.details == [
        {"line": 2, "sku": "MUG", "requested": 3, "available": 1, "missing": 2},
        {"line": 3, "sku": "CAP", "requested": 1, "available": 0, "missing": 1},
    ]
    assert list_orders(db, scope) == []
    assert level(db, scope, "TEE", "WH1") == (5, 0)
    ok = o.order(db, scope, "till-1", ("TEE", 2), ("MUG", 1), strict=True)
    assert [line.bookings[0].quantity for line in ok.lines] == [2, 1]


def test_the_same_channel_order_delivered_again_is_recorded_and_booked_once(db: Database, scope: Scope) -> None:
    o.shop(db, scope)
    f.receive(db, scope, "TEE", 5, "WH1")
    first = o.order(db, scope, "1004", ("TEE", 2))
    again = o.order(db, scope, "1004", ("TEE", 2))
    assert again.id == first.id and again.replayed is True
    assert level(db, scope, "TEE", "WH1") == (5, 2)


def test_a_bundle_books_its_components_unless_assembled_stock_covers_it(db: Database, scope: Scope) -> None:
    o.shop(db, scope, "SOCK-A", "SOCK-B")
    f.variant(db, scope, "SOCK-2PK", components=[("SOCK-A", 1), ("SOCK-B", 2)])
    f.receive(db, scope, "SOCK-A", 10, "WH1")
    f.receive(db, scope, "SOCK-B", 10, "WH1")
    parts = o.order(db, scope, "B1", ("SOCK-2PK", 3))
    assert sorted((b.sku, b.quantity) for b in parts.lines[0].bookings) == [("SOCK-A", 3), ("SOCK-B", 6)]
    f.receive(db, scope, "SOCK-2PK", 4, "WH2")
    kits = o.order(db, scope, "B2", ("SOCK-2PK", 4))
    assert [(b.sku, b.quantity) for b in kits.lines[0].bookings] == [("SOCK-2PK", 4)]
    shipped = o.change(db, scope, "fulfil", parts.id)
    assert shipped.status == "fulfilled"
    assert level(db, scope, "SOCK-B", "WH1") == (4, 0)
    assert verify(db, scope) == []


def test_fulfilment_ships_first_expiry_first_and_may_be_partial(db: Database, scope: Scope) -> None:
    o.shop(db, scope)
    f.receive(db, scope, "TEE", 4, "WH1", lot="LATE", expires_on=date(2031, 1, 1))
    f.receive(db, scope, "TEE", 2, "WH1", lot="SOON", expires_on=date(2030, 1, 1))
    placed = o.order(db, scope, "F1", ("TEE", 5))
    part = o.change(db, scope, "fulfil", placed.id, ("TEE", 3))
    assert part.status == "open" and part.lines[0].fulfilled == 3
    (row,) = stock_service.stock(db, scope, "TEE")
    assert {lot.lot: lot.on_hand for lot in row.lots} == {"LATE": 3}
    assert (row.on_hand, row.booked) == (3, 2)
    with pytest.raises(InvalidInput):
        o.change(db, scope, "fulfil", placed.id, ("TEE", 3))
    assert o.change(db, scope, "fulfil", placed.id, ("TEE", 2)).status == "fulfilled"
    assert verify(db, scope) == []


def test_cancel_releases_what_is_not_fulfilled_and_return_puts_units_back_in_a_chosen_type(
    db: Database, scope: Scope
) -> None:
    o.shop(db, scope)
    f.receive(db, scope, "TEE", 5, "WH1")
    placed = o.order(db, scope, "C1", ("TEE", 4))
    o.change(db, scope, "fulfil", placed.id, ("TEE", 1))
    cancelled = o.change(db, scope, "cancel", placed.id)
    assert cancelled.lines[0].cancelled == 3 and cancelled.status == "fulfilled"
    assert level(db, scope, "TEE", "WH1") == (4, 0)
    o.change(db, scope, "return", placed.id, ("TEE", 1, None, "damaged"))
    damaged = [r for r in stock_service.stock(db, scope, "TEE") if r.inventory_type == "damaged"]
    assert [(r.location, r.on_hand) for r in damaged] == [("WH1", 1)]
    with pytest.raises(InvalidInput):
        o.change(db, scope, "return", placed.id, ("TEE", 1))
    assert verify(db, scope) == []


def test_stock_that_arrives_is_booked_for_waiting_backorders_oldest_first(db: Database, scope: Scope) -> None:
    o.shop(db, scope)
    first = o.order(db, scope, "W1", ("TEE", 2))
    second = o.order(db, scope, "W2", ("TEE", 2))
    f.receive(db, scope, "TEE", 3, "WH2")
    orders = {o_.external_id: o_ for o_ in list_orders(db, scope)}
    assert orders["W1"].lines[0].backorder.open == 0
    assert o.booked_at(orders["W1"]) == [("WH2", 2)]
    assert orders["W2"].lines[0].backorder.open == 1 and o.booked_at(orders["W2"]) == [("WH2", 1)]
    assert level(db, scope, "TEE", "WH2") == (3, 3)
    assert (first.id, second.id) == (orders["W1"].id, orders["W2"].id)
    assert verify(db, scope) == []


def test_a_count_below_booked_turns_the_newest_bookings_into_backorders(db: Database, scope: Scope) -> None:
    o.shop(db, scope)
    f.receive(db, scope, "TEE", 4, "WH1")
    o.order(db, scope, "OLD", ("TEE", 2))
    o.order(db, scope, "NEW", ("TEE", 2))
    f.move(db, scope, "count", "TEE", "WH1", 3)
    orders = {o_.external_id: o_ for o_ in list_orders(db, scope)}
    assert o.booked_at(orders["OLD"]) == [("WH1", 2)]
    assert o.booked_at(orders["NEW"]) == [("WH1", 1)] and orders["NEW"].lines[0].backorder.open == 1
    assert level(db, scope, "TEE", "WH1") == (3, 3)
    assert [i.cause for i in list_incidents(db, scope)] == ["a count found less than was booked"]
    assert verify(db, scope) == []


def test_bad_orders_are_refused_naming_the_field(db: Database, scope: Scope) -> None:
    o.shop(db, scope)
    cases = [
        (lambda: o.order(db, scope, "X", ("TEE", 0)), "lines[0].quantity"),
        (lambda: o.order(db, scope, "X", ("NOPE", 1)), "lines[0].sku"),
        (lambda: o.order(db, scope, "X", ("TEE", 1), channel="nowhere"), "channel"),
        (lambda: o.order(db, scope, "", ("TEE", 1)), "external_id"),
        (lambda: o.order(db, scope, "X"), "lines"),
    ]
    for act, field in cases:
        with pytest.raises((InvalidInput, Exception)) as refused:
            act()
        assert getattr(refused.value, "field", None) == field
    assert list_orders(db, scope) == []


def test_fulfilling_everything_ships_what_is_booked_and_leaves_the_backorder_waiting(
    db: Database, scope: Scope
) -> None:
    o.shop(db, scope, "TEE", "MUG")
    f.receive(db, scope, "TEE", 2, "WH1")
    f.receive(db, scope, "MUG", 5, "WH1")
    placed = o.order(db, scope, "FB1", ("TEE", 5), ("MUG", 1))
    shipped = o.change(db, scope, "fulfil", placed.id)
    assert [(line.sku, line.fulfilled, line.backorder.open) for line in shipped.lines] == [
        ("TEE", 2, 3),
        ("MUG", 1, 0),
    ]
    assert shipped.status == "open"
    assert level(db, scope, "TEE", "WH1") == (0, 0)
    f.receive(db, scope, "TEE", 3, "WH2")  # the backorder takes it
    done = o.change(db, scope, "fulfil", placed.id)
    assert (done.lines[0].fulfilled, done.status) == (5, "fulfilled")
    assert verify(db, scope) == []
