"""Pick lists on SQLite and PostgreSQL: what orders and work orders booked at a location and its
bins, in walking order with first-expiry-first-out lots; scanning ticks lines and refuses what is
not on the list or more than it asks; refusals name the field and write nothing."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from tests import factories as f
from tests import offer_factories as of
from tests import order_factories as o
from tests.integration.test_orders_concurrency import run_together
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.picking import pick_lists
from truecount.domain.assembly import CreateWorkOrder, Part, SetBill
from truecount.domain.errors import Conflict, InvalidInput, NotFound
from truecount.domain.picking import MakePickList, PickScan
from truecount.services.assembly import bills, work_orders
from truecount.services.common.scope import Scope
from truecount.services.picking.lists import list_pick_lists, make_pick_list, show_pick_list
from truecount.services.picking.scans import Picked, scan_pick


@pytest.fixture
def shop(db: Database, scope: Scope) -> Scope:
    f.location(db, scope, "WH1")
    f.location(db, scope, "WH1-A", parent="WH1")
    f.location(db, scope, "WH1-B", parent="WH1")
    f.location(db, scope, "WH2")
    f.variant(db, scope, "TEE", barcodes=["400000000001"])
    f.variant(db, scope, "MUG")
    f.variant(db, scope, "SOCK")
    f.variant(db, scope, "KIT")
    bills.set_bill(db, scope, SetBill("KIT", [Part("TEE", 1), Part("MUG", 1)], "ahead"))
    f.receive(db, scope, "TEE", 4, "WH1-A", lot="L-LATE", expires_on=date(2031, 1, 1))
    f.receive(db, scope, "TEE", 3, "WH1-A", lot="L-EARLY", expires_on=date(2030, 1, 1))
    f.receive(db, scope, "MUG", 5, "WH1-B")
    f.receive(db, scope, "SOCK", 5, "WH2")
    of.channel(db, scope, "web", ["WH1", "WH2"])
    return scope


def made(db: Database, scope: Scope) -> tuple[int, int, int]:
    """Two orders and a released work order booking TEE and MUG in WH1's bins."""
    first = int(o.order(db, scope, "o1", ("TEE", 2), ("MUG", 1)).id)
    second = int(o.order(db, scope, "o2", ("TEE", 3)).id)
    wo = work_orders.create_work_order(db, scope, CreateWorkOrder("KIT", 2, "WH1")).id
    work_orders.release_work_order(db, scope, wo)
    return first, second, wo


def test_a_pick_list_walks_the_bins_with_the_earliest_lots_first_for_each_order_and_work_order(
    db: Database, shop: Scope
) -> None:
    first, second, wo = made(db, shop)
    picks = make_pick_list(db, shop, MakePickList("WH1", [first, second], [wo]))
    assert (picks.location, picks.orders, picks.work_orders, picks.complete) == ("WH1", [first, second], [wo], False)
    assert [(x.line, x.place, x.sku, x.lot, x.quantity, x.order, x.work_order) for x in picks.lines] == [
        (1, "WH1-A", "TEE", "L-EARLY", 2, first, None),
        (2, "WH1-A", "TEE", "L-EARLY", 1, second, None),
        (3, "WH1-A", "TEE", "L-LATE", 2, second, None),
        (4, "WH1-A", "TEE", "L-LATE", 2, None, wo),
        (5, "WH1-B", "MUG", "", 1, first, None),
        (6, "WH1-B", "MUG", "", 2, None, wo),
    ]
    assert picks.lines[0].expires_on == "2030-01-01" and picks.lines[4].expires_on is None
    assert show_pick_list(db, shop, picks.id) == picks
    assert [p.id for p in list_pick_lists(db, shop)] == [picks.id]
    only_work = make_pick_list(db, shop, MakePickList("WH1", work_orders=[wo]))
    assert [(x.sku, x.lot, x.quantity) for x in only_work.lines] == [("TEE", "L-EARLY", 2), ("MUG", "", 2)]


def test_scanning_ticks_lines_in_walking_order_and_refuses_what_the_list_does_not_ask(
    db: Database, shop: Scope
) -> None:
    first, second, wo = made(db, shop)
    picks = make_pick_list(db, shop, MakePickList("WH1", [first, second], [wo]))
    one = scan_pick(db, shop, PickScan(picks.id, "400000000001"))  # TEE's barcode
    assert (one.sku, one.lines) == ("TEE", [1])
    assert [x.picked for x in one.pick_list.lines] == [1, 0, 0, 0, 0, 0]
    many = scan_pick(db, shop, PickScan(picks.id, "TEE", 6))
    assert many.lines == [1, 2, 3, 4]
    with pytest.raises(Conflict, match="asks for 7 × TEE, 7 already picked: nothing more") as more:
        scan_pick(db, shop, PickScan(picks.id, "TEE"))
    assert more.value.field == "code"
    with pytest.raises(InvalidInput, match="SOCK is not on pick list") as absent:
        scan_pick(db, shop, PickScan(picks.id, "SOCK"))
    assert absent.value.field == "code"
    with pytest.raises(NotFound) as unknown:
        scan_pick(db, shop, PickScan(picks.id, "999"))
    assert unknown.value.field == "code"
    with pytest.raises(Conflict, match="only 3 more"):
        scan_pick(db, shop, PickScan(picks.id, "MUG", 4))  # refused whole: nothing ticked
    assert [x.picked for x in show_pick_list(db, shop, picks.id).lines] == [2, 1, 2, 2, 0, 0]
    done = scan_pick(db, shop, PickScan(picks.id, "MUG", 3), key="scan-1")
    again = scan_pick(db, shop, PickScan(picks.id, "MUG", 3), key="scan-1")  # a retried scan ticks once
    assert done.pick_list.complete and again.replayed and again.lines == done.lines == [5, 6]
    assert show_pick_list(db, shop, picks.id).complete


def test_bad_pick_lists_are_refused_naming_the_field_and_nothing_is_stored(db: Database, shop: Scope) -> None:
    first, _, wo = made(db, shop)
    for cmd, error, field in (
        (MakePickList("WH1"), InvalidInput, "orders"),
        (MakePickList("WH1", [first, first]), InvalidInput, "orders"),
        (MakePickList("WH1", [first, 999999]), NotFound, "orders"),
        (MakePickList("WH1", work_orders=[999999]), NotFound, "work_orders"),
        (MakePickList("MOON", [first]), NotFound, "location"),
        (MakePickList("WH2", [first], [wo]), InvalidInput, "location"),  # nothing booked there for them
    ):
        with pytest.raises(error) as refused:
            make_pick_list(db, shop, cmd)
        assert refused.value.field == field, cmd
    with db.read() as conn:
        stored = select(func.count()).select_from(pick_lists).where(pick_lists.c.merchant_id == shop.merchant_id)
        assert conn.execute(stored).scalar() == 0
    with pytest.raises(NotFound) as missing:
        scan_pick(db, shop, PickScan(12345, "TEE"))
    assert missing.value.field == "pick_list"


def test_scanners_racing_on_one_pick_list_tick_exactly_what_it_asks(db: Database, shop: Scope) -> None:
    first, second, _ = made(db, shop)
    picks = make_pick_list(db, shop, MakePickList("WH1", [first, second]))  # 5 × TEE asked
    results = run_together(8, lambda i: scan_pick(db, shop, PickScan(picks.id, "TEE")))
    assert [r for r in results if not isinstance(r, Picked | Conflict)] == []
    assert sum(isinstance(r, Picked) for r in results) == 5  # each unit ticked once, the rest refused
    assert [(x.quantity, x.picked) for x in show_pick_list(db, shop, picks.id).lines if x.sku == "TEE"] == [
        (2, 2),
        (1, 1),
        (2, 2),
    ]
