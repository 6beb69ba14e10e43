"""Build to order on SQLite and PostgreSQL: an order that owes a kit built ahead creates a work order
at the kit's build location (released when the components are there), and the order's line waits on
it as a backorder does — booked when the kits are produced."""

from __future__ import annotations

import pytest

from tests import factories as f
from tests import offer_factories as of
from tests import order_factories as ofx
from tests.integration.test_orders_concurrency import run_together
from truecount.adapters.db.engine import Database
from truecount.domain.assembly import Complete, Part, SetBill
from truecount.domain.errors import InvalidInput, NotFound
from truecount.services.assembly import bills, completion, work_orders
from truecount.services.common.scope import Scope
from truecount.services.orders.views import get_order
from truecount.services.stock.verify import verify


@pytest.fixture
def shop(db: Database, scope: Scope) -> Scope:
    f.location(db, scope, "WH")
    for sku in ("BOX", "CARD", "KIT"):
        f.variant(db, scope, sku)
    of.channel(db, scope, "web", ["WH"])
    bills.set_bill(db, scope, SetBill("KIT", [Part("BOX", 2), Part("CARD", 1)], "ahead", build_to_order_at="WH"))
    of.rule(db, scope, "web", "KIT", "prebook", quantity=20)  # the channel takes orders for kits not built yet
    f.receive(db, scope, "BOX", 10, "WH")
    f.receive(db, scope, "CARD", 10, "WH")
    return scope


def orders_of_kit(db: Database, scope: Scope) -> list[tuple[int, str, str, int]]:
    return [(w.quantity, w.status, w.created_by, w.open) for w in reversed(work_orders.list_work_orders(db, scope))]


def test_orders_that_owe_a_kit_create_work_orders_for_what_is_not_being_built_yet(db: Database, shop: Scope) -> None:
    first = ofx.order(db, shop, "o1", ("KIT", 3))
    assert orders_of_kit(db, shop) == [(3, "released", "system:build-to-order", 3)]
    ofx.order(db, shop, "o2", ("KIT", 2))
    assert orders_of_kit(db, shop)[1] == (2, "released", "system:build-to-order", 2)  # owed 5, building 3
    ofx.order(db, shop, "o3", ("KIT", 1))  # BOX: 10 − 6 − 4 = 0 left
    assert orders_of_kit(db, shop)[2] == (1, "draft", "system:build-to-order", 1)
    ofx.order(db, shop, "o4", ("BOX", 1))  # owes nothing of a kit: nothing to build
    assert len(orders_of_kit(db, shop)) == 3

    wo = work_orders.list_work_orders(db, shop)[-1].id  # the first one, for 3
    completion.complete_work_order(db, shop, Complete(wo, 3))
    line = get_order(db, shop, first.id).lines[0]
    assert sum(b.open for b in line.bookings) == 3  # the kits produced were booked for the oldest order
    assert ofx.change(db, shop, "fulfil", first.id).status == "fulfilled"
    assert verify(db, shop) == []


def test_build_to_order_applies_to_a_kit_built_ahead_at_a_known_location(db: Database, shop: Scope) -> None:
    with pytest.raises(InvalidInput) as refused:
        bills.set_bill(db, shop, SetBill("KIT", [Part("BOX", 2)], "both", build_to_order_at="WH"))
    assert refused.value.field == "build_to_order_at"
    with pytest.raises(NotFound) as unknown:
        bills.set_bill(db, shop, SetBill("KIT", [Part("BOX", 2)], "ahead", build_to_order_at="MOON"))
    assert unknown.value.field == "build_to_order_at"
    bills.set_bill(db, shop, SetBill("KIT", [Part("BOX", 2)], "ahead"))  # set again without: off
    assert bills.show_bill(db, shop, "KIT").build_to_order_at is None
    ofx.order(db, shop, "o1", ("KIT", 1))
    assert work_orders.list_work_orders(db, shop) == []


def test_concurrent_orders_owing_a_kit_never_build_it_twice(db: Database, shop: Scope) -> None:
    results = run_together(6, lambda i: ofx.order(db, shop, f"c-{i}", ("KIT", 1)))
    assert [r for r in results if isinstance(r, Exception)] == []
    building = sum(w.open for w in work_orders.list_work_orders(db, shop) if w.status != "cancelled")
    assert building == 6  # each owed kit is built once: no order saw another's kit as still unbuilt
    assert verify(db, shop) == []
