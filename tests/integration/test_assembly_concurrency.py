"""Work orders released while channel orders arrive, on SQLite and PostgreSQL: the components are
never promised twice — every unit booked is held by exactly one order or work order."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from tests import factories as f
from tests import order_factories as o
from tests.integration.test_orders_concurrency import run_together, totals
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.assembly import work_order_holds
from truecount.adapters.db.tables.orders import bookings
from truecount.domain.assembly import CreateWorkOrder, Part, SetBill
from truecount.domain.errors import InsufficientStock
from truecount.services.assembly import bills, work_orders
from truecount.services.assembly.views import WorkOrder
from truecount.services.common.scope import Scope
from truecount.services.stock.verify import verify

WORK_ORDERS = 4  # each builds 2 kits: 4 BOX
ORDERS = 12  # each a till asking for 1 BOX (strict) or a channel order for 2 (backordered when short)
BOX = 14  # far less than everyone asks for (16 + 12..24)


def held(db: Database, scope: Scope) -> tuple[int, int]:
    """(units work orders hold, units orders hold) of every level."""
    with db.read() as conn:
        h, b = work_order_holds.c, bookings.c
        by_work_orders = conn.execute(
            select(func.coalesce(func.sum(h.quantity - h.consumed - h.released), 0)).where(
                h.merchant_id == scope.merchant_id
            )
        ).scalar_one()
        by_orders = conn.execute(
            select(func.coalesce(func.sum(b.quantity - b.shipped - b.released), 0)).where(
                b.merchant_id == scope.merchant_id
            )
        ).scalar_one()
    return int(by_work_orders), int(by_orders)


def test_work_orders_released_among_concurrent_channel_orders_never_oversell_the_components(
    db: Database, scope: Scope
) -> None:
    o.shop(db, scope, "BOX", "KIT")
    bills.set_bill(db, scope, SetBill("KIT", [Part("BOX", 2)], "ahead"))
    f.receive(db, scope, "BOX", BOX, "WH1")
    drafts = [
        int(work_orders.create_work_order(db, scope, CreateWorkOrder("KIT", 2, "WH1")).id) for _ in range(WORK_ORDERS)
    ]

    def act(i: int) -> Any:
        if i < WORK_ORDERS:
            return work_orders.release_work_order(db, scope, drafts[i])
        n = i - WORK_ORDERS
        return o.order(db, scope, f"o-{n}", ("BOX", 1 if n % 2 == 0 else 2), strict=n % 2 == 0)

    results = run_together(WORK_ORDERS + ORDERS, act)
    unexpected = [r for r in results if isinstance(r, Exception) and not isinstance(r, InsufficientStock)]
    assert unexpected == []
    released = [r for r in results[:WORK_ORDERS] if isinstance(r, WorkOrder)]
    refused = [r for r in results[:WORK_ORDERS] if isinstance(r, InsufficientStock)]
    assert len(released) + len(refused) == WORK_ORDERS
    on_hand, booked = totals(db, scope, "BOX")
    by_work_orders, by_orders = held(db, scope)
    assert on_hand == BOX and booked <= on_hand  # never more promised than there is
    assert by_work_orders == 4 * len(released)  # a release is all or nothing
    assert by_work_orders + by_orders == booked  # each booked unit has exactly one holder
    assert verify(db, scope) == []
    statuses = {wo.status for wo in work_orders.list_work_orders(db, scope)}
    assert statuses <= {"released", "draft"}
