"""Groups planned on the stock view the process remembers (services/orders/remembered): the stock
read is skipped when the process knows enough, and whatever changed behind its back is caught by
the one statement's checks and the group planned again on a fresh read
— with the answer a read would have given. PostgreSQL only."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests import factories as f
from tests import order_factories as o
from tests.sent import statements
from truecount.adapters.db.engine import Database
from truecount.domain.commands import OrderLineSpec, PlaceOrder
from truecount.domain.suppliers import AddSupplier, SetSupplierItem
from truecount.services.common.scope import Scope
from truecount.services.orders.place import place_orders
from truecount.services.orders.results import Order, OrderRefused
from truecount.services.stock.levels import stock
from truecount.services.stock.verify import verify
from truecount.services.suppliers.records import add_supplier, set_supplier_item

pytestmark = pytest.mark.parametrize("db", ["postgresql"], indirect=True)

_READ = "LEFT JOIN stock_levels"  # the batch's stock read
_CHECKED = "AS x(id,sku) ON v.id = x.id"  # the one statement with its checks (a plan on the remembered view)
_PLAIN = "INSERT INTO orders"  # any one statement


def _steps(seen: list[str]) -> list[str]:
    """What the group sent, in order: its stock reads and its one statements (checked or not)."""
    marks: Callable[[str], str | None] = lambda s: (  # noqa: E731
        "read" if _READ in s else "checked" if _CHECKED in s else "statement" if _PLAIN in s else None
    )
    return [step for step in map(marks, seen) if step is not None]


def _stocked(db: Database, scope: Scope, *receipts: tuple[str, int, str]) -> None:
    """The orders tests' shop (channel ``web``: WH1, then WH2) with TEE and CAP, and these receipts."""
    o.shop(db, scope, "TEE", "CAP")
    for sku, quantity, at in receipts:
        f.receive(db, scope, sku, quantity, at)


def _group(db: Database, scope: Scope, prefix: str, *lines: tuple[str, int]) -> list[Order | OrderRefused]:
    cmds = [PlaceOrder("web", f"{prefix}{i}", [OrderLineSpec(sku, q)], True) for i, (sku, q) in enumerate(lines)]
    return place_orders(db, scope, cmds)


def _at(answer: Order | OrderRefused) -> list[tuple[str, int]]:
    assert isinstance(answer, Order), answer
    return [(b.location, b.quantity) for b in answer.lines[0].bookings]


def _booked(db: Database, scope: Scope) -> dict[tuple[str, str], int]:
    return {(r.sku, r.location): r.booked for r in stock(db, scope) if r.booked}


def test_a_group_known_enough_is_booked_without_its_stock_read_as_a_read_would_book_it(
    db: Database, scope: Scope
) -> None:
    _stocked(db, scope, ("TEE", 10, "WH1"), ("CAP", 10, "WH1"))
    with statements(db) as first:
        _group(db, scope, "A", ("TEE", 1))  # the first group reads: nothing is known yet
    with statements(db) as then:
        tee, cap = _group(db, scope, "B", ("TEE", 2), ("CAP", 3))  # CAP: from one read of the catalogue
    assert _steps(first) == ["read", "statement"]
    assert _steps(then) == ["checked"]  # no stock read
    assert _at(tee) == [("WH1", 2)] and _at(cap) == [("WH1", 3)]
    assert isinstance(tee, Order) and (tee.lines[0].bookings[0].inventory_type, tee.lines[0].bookings[0].open) == (
        "good",
        2,
    )
    assert _booked(db, scope) == {("TEE", "WH1"): 3, ("CAP", "WH1"): 3}
    assert verify(db, scope) == []


def test_a_large_batch_is_planned_without_its_read_where_the_first_source_has_room_to_spare(
    db: Database, scope: Scope
) -> None:
    _stocked(db, scope, ("TEE", 500, "WH1"), ("TEE", 300, "WH2"), ("CAP", 150, "WH1"))
    _group(db, scope, "A", ("TEE", 1), ("CAP", 1))  # learns: 499 TEE and 149 CAP free at WH1
    with statements(db) as seen:
        answers = _group(db, scope, "B", *[("TEE", 1)] * 200)
    assert _steps(seen) == ["checked"]  # 200 orders, no stock read: 499 free is twice as many and more
    assert {loc for a in answers for loc, _ in _at(a)} == {"WH1"}
    with statements(db) as seen:
        answers = _group(db, scope, "C", *[("CAP", 1)] * 100)  # 149 free: less than twice 100
    assert _steps(seen) == ["read", "statement"]
    assert {loc for a in answers for loc, _ in _at(a)} == {"WH1"}
    with db.write() as conn:  # another process books 260 of the 299 left at WH1
        conn.exec_driver_sql(
            f"UPDATE stock_levels SET booked = booked + 260 WHERE merchant_id = {scope.merchant_id} AND on_hand = 500"
        )
    with statements(db) as seen:
        answers = _group(db, scope, "D", *[("TEE", 1)] * 80)  # 299 known free: planned at WH1, 39 there
    assert _steps(seen) == ["checked", "read", "statement"]
    assert [_at(a) for a in answers] == [[("WH1", 1)]] * 39 + [[("WH2", 1)]] * 41  # as a read plans it
    with db.write() as conn:
        conn.exec_driver_sql(
            f"UPDATE stock_levels SET booked = booked - 260 WHERE merchant_id = {scope.merchant_id} AND on_hand = 500"
        )
    assert _booked(db, scope) == {("TEE", "WH1"): 240, ("TEE", "WH2"): 41, ("CAP", "WH1"): 101}
    assert verify(db, scope) == []


def test_the_one_read_of_the_catalogue_also_tells_what_each_level_has_free(db: Database, scope: Scope) -> None:
    _stocked(db, scope, ("TEE", 10, "WH1"), ("CAP", 500, "WH1"))
    _group(db, scope, "A", ("TEE", 1))  # reads TEE only
    with statements(db) as seen:
        answers = _group(db, scope, "B", *[("CAP", 1)] * 100)  # CAP: its variant and its 500 free, from one read
    assert _steps(seen) == ["checked"]
    assert {loc for a in answers for loc, _ in _at(a)} == {"WH1"}
    assert _booked(db, scope) == {("TEE", "WH1"): 1, ("CAP", "WH1"): 100}


def test_a_location_known_to_hold_nothing_is_found_short_by_the_statement_and_read(db: Database, scope: Scope) -> None:
    _stocked(db, scope, ("TEE", 10, "WH1"), ("CAP", 10, "WH2"))
    _group(db, scope, "A", ("TEE", 1))  # TEE learnt; CAP only named (from the catalogue, next)
    with statements(db) as seen:
        (cap,) = _group(db, scope, "B", ("CAP", 3))
    assert _steps(seen) == ["checked", "read", "statement"]  # WH1 (first) holds no CAP: the level missed
    assert _at(cap) == [("WH2", 3)]
    with statements(db) as again:
        (cap,) = _group(db, scope, "C", ("CAP", 1))
    assert _steps(again) == ["read", "statement"]  # WH1 is known to hold none now
    assert _booked(db, scope) == {("TEE", "WH1"): 1, ("CAP", "WH2"): 4}
    assert verify(db, scope) == []


def test_a_group_reads_when_what_is_known_says_the_first_location_is_short(db: Database, scope: Scope) -> None:
    _stocked(db, scope, ("TEE", 2, "WH1"), ("TEE", 9, "WH2"))
    _group(db, scope, "A", ("TEE", 1))  # learns: one left at WH1
    with statements(db) as seen:
        (answer,) = _group(db, scope, "B", ("TEE", 2))
    assert _steps(seen) == ["read", "statement"]
    assert _at(answer) == [("WH2", 2)]  # WH1 cannot cover the line: the next location takes it whole


def test_what_a_batch_booked_after_its_read_is_no_longer_known_free(db: Database, scope: Scope) -> None:
    _stocked(db, scope, ("TEE", 5, "WH1"), ("TEE", 5, "WH2"))
    first, refused = _group(db, scope, "A", ("TEE", 3), ("TEE", 100))  # a refusal: read, then written
    assert _at(first) == [("WH1", 3)] and isinstance(refused, OrderRefused)
    with statements(db) as seen:
        (answer,) = _group(db, scope, "B", ("TEE", 3))
    assert _steps(seen) == ["read", "statement"]  # known: two left at WH1, not five (no plan undone)
    assert _at(answer) == [("WH2", 3)]
    assert verify(db, scope) == []


def test_stock_taken_behind_the_processs_back_undoes_the_plan_and_the_group_is_planned_on_a_fresh_read(
    db: Database, scope: Scope
) -> None:
    _stocked(db, scope, ("TEE", 5, "WH1"), ("TEE", 5, "WH2"))
    _group(db, scope, "A", ("TEE", 1))  # learns: four left at WH1
    with db.write() as conn:  # another process books three of them
        conn.exec_driver_sql(f"UPDATE stock_levels SET booked = booked + 3 WHERE merchant_id = {scope.merchant_id}")
    with statements(db) as seen:
        (answer,) = _group(db, scope, "B", ("TEE", 2))
    assert _steps(seen) == ["checked", "read", "statement"]  # undone, then read and written again
    assert _at(answer) == [("WH2", 2)]
    with db.write() as conn:
        conn.exec_driver_sql(f"UPDATE stock_levels SET booked = booked - 3 WHERE merchant_id = {scope.merchant_id}")
    assert _booked(db, scope) == {("TEE", "WH1"): 1, ("TEE", "WH2"): 2}
    assert verify(db, scope) == []


def test_a_sku_that_names_another_variant_now_is_read_again(db: Database, scope: Scope) -> None:
    _stocked(db, scope, ("TEE", 5, "WH1"), ("CAP", 5, "WH1"))
    _group(db, scope, "A", ("TEE", 1), ("CAP", 1))  # learns both SKUs
    with db.write() as conn:  # the two SKUs are swapped (an edit by another process)
        m = scope.merchant_id
        conn.exec_driver_sql(f"UPDATE variants SET sku = 'TMP' WHERE merchant_id = {m} AND sku = 'TEE'")
        conn.exec_driver_sql(f"UPDATE variants SET sku = 'TEE' WHERE merchant_id = {m} AND sku = 'CAP'")
        conn.exec_driver_sql(f"UPDATE variants SET sku = 'CAP' WHERE merchant_id = {m} AND sku = 'TMP'")
    with statements(db) as seen:
        _group(db, scope, "B", ("TEE", 3))
    assert _steps(seen) == ["checked", "read", "statement"]
    assert _booked(db, scope) == {("TEE", "WH1"): 4, ("CAP", "WH1"): 1}  # the variant named TEE now
    with statements(db) as again:
        _group(db, scope, "C", ("TEE", 1))  # known again, from that read
    assert _steps(again) == ["checked"]
    assert verify(db, scope) == []


def test_a_channel_whose_locations_changed_is_read_again(db: Database, scope: Scope) -> None:
    _stocked(db, scope, ("TEE", 5, "WH1"), ("TEE", 5, "WH2"))
    _group(db, scope, "A", ("TEE", 1))  # WH1 first
    with db.write() as conn:  # WH2 now comes first (an edit by another process)
        conn.exec_driver_sql(
            f"UPDATE locations SET priority = 0 WHERE merchant_id = {scope.merchant_id} AND code = 'WH2'"
        )
    with statements(db) as seen:
        (answer,) = _group(db, scope, "B", ("TEE", 1))
    # undone; the read finds the kept facts changed, reads them again, then the stock with them
    assert _steps(seen) == ["checked", "read", "read", "statement"]
    assert _at(answer) == [("WH2", 1)]
    assert verify(db, scope) == []


def test_a_most_available_channel_with_several_locations_is_always_read(db: Database, scope: Scope) -> None:
    o.shop(db, scope, "TEE")
    o.channel(db, scope, "pos", ["WH1", "WH2"], allocation="most_available")
    f.receive(db, scope, "TEE", 2, "WH1")
    f.receive(db, scope, "TEE", 5, "WH2")
    cmds = [PlaceOrder("pos", f"P{i}", [OrderLineSpec("TEE", 1)], True) for i in range(2)]
    place_orders(db, scope, cmds[:1])
    with statements(db) as seen:
        (answer,) = place_orders(db, scope, cmds[1:])
    assert _steps(seen) == ["read", "statement"]
    assert _at(answer) == [("WH2", 1)]  # most available: WH2, though WH1 comes first


def test_a_cheapest_channel_is_always_read_so_a_changed_cost_decides_the_next_order(db: Database, scope: Scope) -> None:
    o.shop(db, scope, "TEE")
    for code, location in (("ACME", "DS-A"), ("BOLT", "DS-B")):
        f.location(db, scope, location, kind="dropship")
        add_supplier(db, scope, AddSupplier(code, code, f"po@{code.lower()}.example", location))
        f.move(db, scope, "feed", "TEE", location, 10)
    set_supplier_item(db, scope, SetSupplierItem("ACME", "TEE", "5"))
    set_supplier_item(db, scope, SetSupplierItem("BOLT", "TEE", "6"))
    o.channel(db, scope, "drop", ["DS-A", "DS-B"], allocation="cheapest")
    cmds = [PlaceOrder("drop", f"C{i}", [OrderLineSpec("TEE", 1)], True) for i in range(2)]
    (first,) = place_orders(db, scope, cmds[:1])
    assert _at(first) == [("DS-A", 1)]
    set_supplier_item(db, scope, SetSupplierItem("BOLT", "TEE", "4.99"))
    with statements(db) as seen:
        (second,) = place_orders(db, scope, cmds[1:])
    assert _steps(seen) == ["read", "statement"]  # never planned on the remembered view
    assert _at(second) == [("DS-B", 1)]
    assert verify(db, scope) == []
