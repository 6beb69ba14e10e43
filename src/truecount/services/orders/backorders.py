"""Backorders follow the stock, in the transaction that moved it.

- Stock that arrives (receive, return, transfer in, a count that finds more) is booked for
  waiting backorders, oldest first, at the order's channel's locations.
- A count that leaves a level with less on hand than booked turns the excess bookings into
  backorders — the newest orders lose their stock first, the oldest keep it — and each is an
  oversell incident.
"""

from __future__ import annotations

from sqlalchemy import Connection, func, select, update

from truecount.adapters.db.tables.channels import channels
from truecount.adapters.db.tables.ledger import stock_levels
from truecount.adapters.db.tables.orders import backorders, bookings, order_lines, orders
from truecount.domain.booking.planner import take
from truecount.domain.booking.view import ChannelSources
from truecount.domain.errors import InsufficientStock
from truecount.domain.model import LedgerLine, MovementKind
from truecount.services.common import availability
from truecount.services.common.scope import db_time, utcnow
from truecount.services.orders import booking
from truecount.services.orders.dropship import request_purchase_orders
from truecount.services.orders.incidents import record_incident
from truecount.services.stock.ledger import Guard, LineMeta, apply_line


def on_availability_changed(conn: Connection, m: int, variant_ids: set[int]) -> None:
    moved = _release_excess(conn, m, variant_ids)
    moved |= _allocate_waiting(conn, m, variant_ids)
    if moved:  # what this listener booked or released only took stock: it is not woken again
        availability.changed(conn, m, moved, taken=True)


def _release_excess(conn: Connection, m: int, variant_ids: set[int]) -> set[int]:
    s = stock_levels.c
    short_levels = conn.execute(
        select(s.variant_id, s.location_id, s.inventory_type_id, s.booked - s.on_hand).where(
            s.merchant_id == m, s.variant_id.in_(variant_ids), s.booked > s.on_hand
        )
    ).all()
    if not short_levels:
        return set()
    now = db_time(utcnow())
    released: set[int] = set()
    for variant, location, itype, excess in short_levels:
        left = int(excess)
        b = bookings.c
        held = conn.execute(
            select(bookings, order_lines.c.order_id, orders.c.channel_id)
            .join(order_lines, order_lines.c.id == b.order_line_id)
            .join(orders, orders.c.id == order_lines.c.order_id)
            .where(
                b.merchant_id == m,
                b.variant_id == variant,
                b.location_id == location,
                b.inventory_type_id == itype,
                b.quantity - b.shipped - b.released > 0,
            )
            .order_by(orders.c.created_at.desc(), orders.c.id.desc(), b.id.desc())
        ).all()
        for bk in held:
            if left == 0:
                break
            q = min(left, int(bk.quantity) - int(bk.shipped) - int(bk.released))
            meta = LineMeta(
                m, now, "system:count", reason="a count found less than was booked", order_line_id=int(bk.order_line_id)
            )
            apply_line(
                conn,
                LedgerLine(MovementKind.RELEASE, int(variant), int(location), int(itype), "", 0, -q),
                meta,
                Guard.NON_NEGATIVE,
            )
            conn.execute(update(bookings).where(b.id == bk.id).values(released=b.released + q))
            released.add(int(variant))
            conn.execute(
                backorders.insert().values(
                    merchant_id=m,
                    order_line_id=int(bk.order_line_id),
                    variant_id=int(variant),
                    quantity=q,
                    allocated=0,
                    cancelled=0,
                    preorder=False,
                    created_at=now,
                )
            )
            record_incident(
                conn,
                m,
                int(bk.order_id),
                int(bk.order_line_id),
                int(variant),
                int(bk.channel_id),
                q,
                "a count found less than was booked",
                now,
            )
            left -= q
    return released  # only what actually moved: reporting more would recurse through the listeners


def _allocate_waiting(conn: Connection, m: int, variant_ids: set[int]) -> set[int]:
    bo = backorders.c
    waiting = conn.execute(
        select(
            backorders,
            orders.c.id.label("order_id"),
            orders.c.channel_id,
            orders.c.external_id,
            channels.c.code.label("channel"),
        )
        .join(order_lines, order_lines.c.id == bo.order_line_id)
        .join(orders, orders.c.id == order_lines.c.order_id)
        .join(channels, channels.c.id == orders.c.channel_id)
        .where(bo.merchant_id == m, bo.variant_id.in_(variant_ids), bo.quantity - bo.allocated - bo.cancelled > 0)
        .order_by(bo.id)
    ).all()
    moved: set[int] = set()
    exhausted: set[int] = set()
    now = db_time(utcnow())
    if not waiting:
        return moved
    mark = int(conn.execute(select(func.max(bookings.c.id)).where(bookings.c.merchant_id == m)).scalar() or 0)
    allocated: dict[int, tuple[str, str, list[int]]] = {}
    facts: dict[str, booking.ChannelFacts] = {}  # per channel, read once for all its waiting backorders
    for owed in waiting:
        if int(owed.variant_id) in exhausted:
            continue
        if owed.channel not in facts:
            facts[owed.channel] = booking.channel_facts(conn, m, owed.channel)
        sources = facts[owed.channel].sources
        # Claim the backorder first (a row lock on PostgreSQL; SQLite writers are serialised): a cancel
        # of the same line waits for this transaction and then sees what was allocated.
        open_qty = int(
            conn.execute(
                select(bo.quantity - bo.allocated - bo.cancelled).where(bo.id == owed.id).with_for_update()
            ).scalar_one()
        )
        if open_qty <= 0:
            continue
        meta = LineMeta(
            m, now, "system:backorders", reference=f"backorder:{owed.id}", order_line_id=int(owed.order_line_id)
        )
        short = _book_owed(conn, m, sources, int(owed.variant_id), open_qty, meta)
        if open_qty - short:
            conn.execute(update(backorders).where(bo.id == owed.id).values(allocated=bo.allocated + open_qty - short))
            moved.add(int(owed.variant_id))
            entry = allocated.setdefault(int(owed.order_id), (str(owed.channel), str(owed.external_id), []))
            entry[2].append(int(owed.order_line_id))
        if short:
            exhausted.add(int(owed.variant_id))
    for order_id, (channel_code, external_id, line_ids) in allocated.items():
        request_purchase_orders(conn, m, order_id, channel_code, external_id, line_ids, after_booking_id=mark)
    return moved


def _book_owed(conn: Connection, m: int, sources: ChannelSources, vid: int, quantity: int, meta: LineMeta) -> int:
    """Book up to ``quantity`` of ``vid`` for a backorder's line where the planner's rule takes it
    (:func:`planner.take`), with the guarded update; returns what it could not book. A take another
    transaction beat us to (PostgreSQL) is planned once more on what is left then."""
    got = 0
    for _ in range(2):
        takes, _short = take(quantity - got, _free(conn, m, sources, vid), sources)
        raced = False
        for t in sorted(takes, key=lambda t: (t.location_id, t.inventory_type_id)):
            line = LedgerLine(MovementKind.BOOK, vid, t.location_id, t.inventory_type_id, "", 0, t.quantity)
            try:  # a miss writes nothing: the guarded update matched no row
                apply_line(conn, line, meta, Guard.AVAILABLE)
            except InsufficientStock:
                raced = True
                continue
            conn.execute(
                bookings.insert().values(
                    merchant_id=m, order_line_id=meta.order_line_id, variant_id=vid, location_id=t.location_id,
                    inventory_type_id=t.inventory_type_id, quantity=t.quantity, shipped=0, released=0,
                    created_at=meta.at,
                )
            )  # fmt: skip
            got += t.quantity
        if not raced:
            break
    return quantity - got


def _free(conn: Connection, m: int, sources: ChannelSources, vid: int) -> dict[tuple[int, int], int]:
    s = stock_levels.c
    rows = conn.execute(
        select(s.location_id, s.inventory_type_id, s.on_hand - s.booked).where(
            s.merchant_id == m, s.variant_id == vid, s.on_hand > s.booked
        )
    )
    return {(int(loc), int(t)): int(free) for loc, t, free in rows if (int(loc), int(t)) in sources.ranks}


LISTENER = availability.OnArrival(on_availability_changed)
"""Wired first (:func:`truecount.services.bootstrap.wire`): waiting backorders take arriving stock."""
