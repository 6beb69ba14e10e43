"""What a channel order owes: the units no saleable location covered become backorders — up to what
a ``prebook`` rule still allows an expected pre-order, the rest an oversell incident (recorded and
alerted)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert

from truecount.adapters.db.tables.orders import backorders
from truecount.domain.booking.planner import PlannedOrder
from truecount.services.channels.setup import Channel
from truecount.services.orders.incidents import record_incident
from truecount.services.orders.preorders import is_prebooking, preorder_part


def owe(
    conn: Connection, m: int, channel: Channel, order_id: int, order: PlannedOrder, line_ids: list[int], now: datetime
) -> None:
    """Backorder what each line of the booked ``order`` could not take (per unit: a bundle line owes its
    components)."""
    for line, line_id in zip(order.lines, line_ids, strict=True):
        for unit in line.units:
            if unit.short:
                backorder(conn, m, channel, order_id, line_id, unit.variant_id, unit.short, now)


def backorder(
    conn: Connection, m: int, channel: Channel, order_id: int, line_id: int, vid: int, missing: int, now: datetime
) -> None:
    """Owe ``missing`` units of ``vid`` on a line: an expected pre-order as far as a ``prebook`` rule
    allows, the rest an oversell incident."""
    expected = preorder_part(conn, m, channel.id, vid, missing)
    for quantity, preorder in ((expected, True), (missing - expected, False)):
        if quantity <= 0:
            continue
        conn.execute(
            insert(backorders).values(
                merchant_id=m,
                order_line_id=line_id,
                variant_id=vid,
                quantity=quantity,
                allocated=0,
                cancelled=0,
                preorder=preorder,
                created_at=now,
            )
        )
    if missing > expected:
        prebook = is_prebooking(conn, m, channel.id, vid)
        cause = "ordered beyond stock" + (" and beyond the pre-order quantity" if prebook else "")
        record_incident(conn, m, order_id, line_id, vid, channel.id, missing - expected, cause, now)
