"""Lines booked at a supplier's location onto that supplier's purchase order, in the booking's
transaction; and a release of such a booking (the customer's order cancelled) taken off it.

A supplier who sends ``now`` gets a purchase order of its own per booking round, due at once; one who
collects (``HH:MM``, ``Nh``) gets its lines added to the one collecting draft, due at the next send
time. Adding to the collecting draft is a guarded ``UPDATE … WHERE collecting``: a sender that took
the draft meanwhile (cleared ``collecting``) makes the booking open a new one instead.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Connection, insert, select, update

from truecount.adapters.db.tables.purchasing import purchase_order_lines, purchase_orders
from truecount.adapters.db.tables.suppliers import supplier_items, suppliers
from truecount.domain import purchase_orders as rules
from truecount.services.common.scope import db_time, utcnow


@dataclass(frozen=True, slots=True)
class Asked:
    """A booking at a drop-ship location to be shipped by the supplier behind it."""

    location_id: int
    booking_id: int
    order_id: int
    order_line_id: int
    variant_id: int
    quantity: int
    why: str | None = None


def collect(conn: Connection, m: int, asked: Sequence[Asked]) -> list[int]:
    """Put ``asked`` on purchase orders (a location without a supplier record asks nobody); returns
    the purchase orders' ids touched."""
    if not asked:
        return []
    found = conn.execute(
        select(suppliers.c.id, suppliers.c.location_id, suppliers.c.po_send).where(
            suppliers.c.merchant_id == m, suppliers.c.location_id.in_(sorted({a.location_id for a in asked}))
        )
    ).all()
    behind = {int(r.location_id): (int(r.id), r.po_send) for r in found}
    now = db_time(utcnow())
    touched: list[int] = []
    for supplier_id, spec in sorted(set(behind.values())):
        mine = [a for a in asked if behind.get(a.location_id, (None,))[0] == supplier_id]
        po_id = _purchase_order_for(conn, m, supplier_id, rules.parse_schedule(spec), now)
        costs = _costs(conn, m, supplier_id, {a.variant_id for a in mine})
        conn.execute(
            insert(purchase_order_lines),
            [
                {
                    "merchant_id": m,
                    "purchase_order_id": po_id,
                    "booking_id": a.booking_id,
                    "order_id": a.order_id,
                    "order_line_id": a.order_line_id,
                    "variant_id": a.variant_id,
                    "quantity": a.quantity,
                    "cancelled": 0,
                    "shipped": 0,
                    "unit_cost": costs.get(a.variant_id),
                    "why": a.why,
                }
                for a in mine
            ],
        )
        touched.append(po_id)
    return touched


def _purchase_order_for(conn: Connection, m: int, supplier_id: int, schedule: rules.Schedule, now: datetime) -> int:
    """The supplier's collecting draft (held by a guarded update), or a new purchase order."""
    po = purchase_orders.c
    if schedule.collects:
        for (candidate,) in conn.execute(
            select(po.id).where(
                po.merchant_id == m, po.supplier_id == supplier_id, po.state == rules.DRAFT, po.collecting.is_(True)
            )
        ).all():
            held = conn.execute(
                update(purchase_orders)
                .where(po.id == candidate, po.state == rules.DRAFT, po.collecting.is_(True))
                .values(collecting=True)
            ).rowcount
            if held:
                return int(candidate)
    new = conn.execute(
        insert(purchase_orders)
        .values(
            merchant_id=m,
            supplier_id=supplier_id,
            state=rules.DRAFT,
            collecting=schedule.collects,
            message_id=f"<po.{uuid.uuid4().hex}@truecount>",
            send_due_at=rules.next_send(schedule, now),
            send_attempts=0,
            notices_sent=0,
            created_at=now,
        )
        .returning(po.id)
    ).scalar_one()
    return int(new)


def _costs(conn: Connection, m: int, supplier_id: int, variant_ids: set[int]) -> dict[int, Decimal]:
    c = supplier_items.c
    rows = conn.execute(
        select(c.variant_id, c.unit_cost).where(
            c.merchant_id == m, c.supplier_id == supplier_id, c.variant_id.in_(sorted(variant_ids))
        )
    ).all()
    return {int(v): Decimal(cost) for v, cost in rows}


def release(conn: Connection, m: int, booking_id: int, quantity: int) -> None:
    """``quantity`` units of a booking were released (its order line cancelled): take them off the
    purchase order lines that ask for it, newest first. A purchase order left with nothing is
    cancelled; one the supplier already has is marked to tell them (an amendment or a cancellation)."""
    pl = purchase_order_lines.c
    po = purchase_orders.c
    lines = conn.execute(
        select(pl.id, pl.purchase_order_id, pl.quantity - pl.cancelled - pl.shipped, po.state)
        .join(purchase_orders, po.id == pl.purchase_order_id)
        .where(pl.merchant_id == m, pl.booking_id == booking_id, po.state.in_((*rules.OPEN, rules.SHIPPED)))
        .order_by(pl.id.desc())
    ).all()
    left = quantity
    for line_id, po_id, still, state in lines:
        q = min(left, int(still))
        if q <= 0:
            continue
        conn.execute(update(purchase_order_lines).where(pl.id == line_id).values(cancelled=pl.cancelled + q))
        _settle(conn, m, int(po_id), state)
        left -= q
        if left == 0:
            return


def _settle(conn: Connection, m: int, po_id: int, state: str) -> None:
    """After an amendment: cancelled when no line asks for anything (closed when some of it shipped);
    the supplier told if it was sent."""
    pl = purchase_order_lines.c
    left = conn.execute(
        select(pl.quantity - pl.cancelled - pl.shipped, pl.shipped).where(
            pl.merchant_id == m, pl.purchase_order_id == po_id
        )
    ).all()
    told = state != rules.DRAFT
    values: dict[str, object] = {}
    if any(int(shipped) > 0 for _q, shipped in left) and not any(int(q) > 0 for q, _s in left):
        values = {"state": rules.CLOSED, "closed_at": db_time(utcnow()), "notice": "amended"}
    elif not any(int(q) > 0 for q, _s in left):
        values = {"state": rules.CANCELLED, "cancelled_at": db_time(utcnow()), "collecting": False}
        values["notice"] = rules.CANCELLED if told else None
    elif told:
        values = {"notice": "amended"}
    if values:
        conn.execute(update(purchase_orders).where(purchase_orders.c.id == po_id).values(**values))
