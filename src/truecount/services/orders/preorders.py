"""Pre-orders: what the planner splits a shortfall with (:func:`~truecount.domain.booking.planner.plan_preorders`).

``prebook P`` offers ``max(0, P − open ordered)``, open ordered being the variant's booked units at
every location plus its open backorders. An order a channel sends beyond that is an oversell like
any other. So the planner splits a short unit: up to what the rule still allows is an expected
pre-order (no incident), the rest an oversell incident. This module reads what that split is made
from — only for a plan that has short units — before the plan is written.
"""

from __future__ import annotations

from sqlalchemy import Connection, func, select, tuple_

from truecount.adapters.db.tables.ledger import stock_levels
from truecount.adapters.db.tables.offers import channel_rules
from truecount.adapters.db.tables.orders import backorders
from truecount.domain.booking.planner import BatchPlan, Outcome, plan_preorders


def settle(conn: Connection, m: int, plan: BatchPlan) -> None:
    """Split the short units of ``plan``'s booked orders into pre-orders and oversold (before the
    plan is written: the open ordered quantities read are the ones before this batch)."""
    short = {
        (order.channel.id, unit.variant_id)
        for order in plan.orders
        if order.outcome is Outcome.BOOKED and order.short and order.channel is not None
        for line in order.lines
        for unit in line.units
        if unit.short
    }
    if not short:
        return
    prebook = prebook_rules(conn, m, short)
    limited = {vid for (_, vid), limit in prebook.items() if limit is not None}
    plan_preorders(plan, prebook, open_ordered(conn, m, limited))


def prebook_rules(conn: Connection, m: int, wanted: set[tuple[int, int]]) -> dict[tuple[int, int], int | None]:
    """Per (channel id, variant) of ``wanted`` with a ``prebook`` rule, its quantity (``None``: no limit)."""
    r = channel_rules.c
    rows = conn.execute(
        select(r.channel_id, r.variant_id, r.quantity).where(
            r.merchant_id == m, r.kind == "prebook", tuple_(r.channel_id, r.variant_id).in_(sorted(wanted))
        )
    ).all()
    return {(int(c), int(v)): None if q is None else int(q) for c, v, q in rows}


def open_ordered(conn: Connection, m: int, vids: set[int]) -> dict[int, int]:
    """Per variant: booked at every location plus still owed (backorders neither allocated nor cancelled)."""
    if not vids:
        return {}
    s, b = stock_levels.c, backorders.c
    found = {vid: 0 for vid in vids}
    booked = select(s.variant_id, func.sum(s.booked)).where(s.merchant_id == m, s.variant_id.in_(sorted(vids)))
    owed = select(b.variant_id, func.sum(b.quantity - b.allocated - b.cancelled)).where(
        b.merchant_id == m, b.variant_id.in_(sorted(vids))
    )
    for stmt in (booked.group_by(s.variant_id), owed.group_by(b.variant_id)):
        for vid, quantity in conn.execute(stmt):
            found[int(vid)] += int(quantity or 0)
    return found
