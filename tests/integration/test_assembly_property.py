"""Property, on SQLite and PostgreSQL: any mix of receipts, channel orders, work orders (created,
released, completed partly or with scrap, cancelled) and shipments keeps every level equal to the
ledger, never negative, and every booked unit held by exactly one order or work order."""

from __future__ import annotations

from collections import Counter
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests import factories as f
from tests import order_factories as o
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.assembly import work_order_holds
from truecount.adapters.db.tables.ledger import stock_levels
from truecount.adapters.db.tables.orders import bookings
from truecount.domain.assembly import Complete, CreateWorkOrder, Part, SetBill
from truecount.domain.errors import TruecountError
from truecount.services.assembly import bills, completion, work_orders
from truecount.services.common.scope import Scope
from truecount.services.stock import levels as stock_service
from truecount.services.stock.verify import verify

LOTS = {"L1": date(2030, 1, 1), "L2": date(2031, 6, 1), "": None}

step = st.one_of(
    st.tuples(st.just("receive"), st.sampled_from(["BOX", "CARD"]), st.integers(1, 12), st.sampled_from(list(LOTS))),
    st.tuples(st.just("order"), st.sampled_from(["BOX", "KIT"]), st.integers(1, 4), st.booleans()),
    st.tuples(st.just("workorder"), st.integers(1, 4)),
    st.tuples(st.just("release"), st.integers(0, 5)),
    st.tuples(st.just("complete"), st.integers(0, 5), st.integers(0, 3), st.integers(0, 1)),
    st.tuples(st.just("cancel"), st.integers(0, 5)),
    st.tuples(st.just("fulfil"), st.integers(0, 5)),
)


def holders_match_levels(db: Database, scope: Scope) -> None:
    """Each level's booked = what orders hold there + what work orders hold there."""
    m = scope.merchant_id
    held: Counter[tuple[int, int, int]] = Counter()
    with db.read() as conn:
        for table, done in ((bookings, ("shipped", "released")), (work_order_holds, ("consumed", "released"))):
            c = table.c
            for v, loc, t, q, a, b in conn.execute(
                select(c.variant_id, c.location_id, c.inventory_type_id, c.quantity, c[done[0]], c[done[1]]).where(
                    c.merchant_id == m
                )
            ):
                held[(int(v), int(loc), int(t))] += int(q) - int(a) - int(b)
        s = stock_levels.c
        booked = {
            (int(v), int(loc), int(t)): int(bk)
            for v, loc, t, bk in conn.execute(
                select(s.variant_id, s.location_id, s.inventory_type_id, s.booked).where(s.merchant_id == m)
            )
        }
    assert {k: q for k, q in held.items() if q} == {k: q for k, q in booked.items() if q}


@settings(max_examples=20, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=1, max_size=14))
def test_orders_work_orders_and_receipts_keep_levels_equal_to_the_ledger(
    db: Database, fresh_scope: object, steps: list[tuple[object, ...]]
) -> None:
    scope: Scope = fresh_scope()  # type: ignore[operator]
    o.shop(db, scope, "BOX", "CARD", "KIT")
    bills.set_bill(db, scope, SetBill("KIT", [Part("BOX", 2), Part("CARD", 1)], "both"))
    made: list[int] = []
    placed: list[int] = []
    for n, (kind, *args) in enumerate(steps):
        try:
            if kind == "receive":
                sku, quantity, lot = args
                expires = LOTS[str(lot)]
                f.receive(db, scope, str(sku), int(quantity), "WH1", lot=str(lot) or None, expires_on=expires)
            elif kind == "order":
                sku, quantity, strict = args
                placed.append(int(o.order(db, scope, f"o-{n}", (str(sku), int(quantity)), strict=bool(strict)).id))
            elif kind == "workorder":
                created = work_orders.create_work_order(db, scope, CreateWorkOrder("KIT", int(args[0]), "WH1"))
                made.append(int(created.id))
            elif kind in ("release", "complete", "cancel") and made:
                wo = made[int(args[0]) % len(made)]
                if kind == "release":
                    work_orders.release_work_order(db, scope, wo)
                elif kind == "cancel":
                    work_orders.cancel_work_order(db, scope, wo)
                else:
                    quantity, scrap = int(args[1]), int(args[2])
                    cmd = Complete(wo, quantity, scrap, "dropped" if scrap else None)
                    completion.complete_work_order(db, scope, cmd)
            elif kind == "fulfil" and placed:
                o.change(db, scope, "fulfil", placed[int(args[0]) % len(placed)])
        except TruecountError:
            pass  # a refusal: what it would have written is checked below, by the ledger
        holders_match_levels(db, scope)
    assert verify(db, scope) == []
    for row in stock_service.stock(db, scope):
        assert row.on_hand >= 0 and 0 <= row.booked <= row.on_hand
