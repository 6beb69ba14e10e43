"""What a channel order owes: the units no saleable location covered become backorders — the
planner's pre-orders (what a ``prebook`` rule still allows) and the rest, oversold, an oversell
incident (recorded and alerted). The split is the planner's (:func:`.preorders.settle`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert

from truecount.adapters.db.tables.orders import backorders
from truecount.domain.booking.planner import PlannedOrder, Unit
from truecount.services.channels.setup import Channel
from truecount.services.common import shortfalls
from truecount.services.orders.incidents import record_incident


def owe(
    conn: Connection, m: int, channel: Channel, order_id: int, order: PlannedOrder, line_ids: list[int], now: datetime
) -> None:
    """Backorder what each line of the booked ``order`` could not take (per unit: a bundle line owes its
    components), as the planner split it; then announce what it owes (:mod:`~truecount.services.common.shortfalls`)."""
    short: set[int] = set()
    for line, line_id in zip(order.lines, line_ids, strict=True):
        for unit in line.units:
            if unit.short:
                backorder(conn, m, channel, order_id, line_id, unit, now)
                short.add(unit.variant_id)
    shortfalls.owed(conn, m, short)


def backorder(
    conn: Connection, m: int, channel: Channel, order_id: int, line_id: int, unit: Unit, now: datetime
) -> None:
    """Owe a unit's short quantity on a line: its pre-order part, then the oversold part and its incident."""
    for quantity, preorder in ((unit.preorder, True), (unit.oversold, False)):
        if quantity <= 0:
            continue
        conn.execute(
            insert(backorders).values(
                merchant_id=m,
                order_line_id=line_id,
                variant_id=unit.variant_id,
                quantity=quantity,
                allocated=0,
                cancelled=0,
                preorder=preorder,
                created_at=now,
            )
        )
    if unit.oversold > 0:
        cause = "ordered beyond stock" + (" and beyond the pre-order quantity" if unit.prebook else "")
        record_incident(conn, m, order_id, line_id, unit.variant_id, channel.id, unit.oversold, cause, now)
