"""A person sends an order line to a named supplier: the line's open bookings move to the drop-ship
location that supplier stands behind, in one transaction.

- The order row is locked first (as :func:`.fulfilment.change_order` does), so two people choosing for
  one line, or a choice and a cancel, queue: the second sees where the first left the line.
- Every unit of the line booked and not yet shipped nor released, at any other location, is booked
  at the supplier's location (the guarded ``booked + q``, :class:`~truecount.services.stock.ledger.Guard`
  ``AVAILABLE``, in the inventory types the channel sells, through the planner's
  :func:`~truecount.domain.booking.planner.take` over that one location), then released where it was;
  a supplier asked to ship a released unit is told as a cancel tells it (its purchase order amended
  or cancelled, :func:`truecount.services.purchasing.collect.release`).
- The new bookings go on the supplier's purchase order with ``why`` ``chosen by <actor>``.
- What the line still owes (a backorder) stays owed and follows the stock as before.

Refused, nothing written: an unknown order (``id``), line (``line``) or supplier (``supplier``); a
supplier behind a location the order's channel does not book from, or that has too few free
(``supplier``); a line with nothing booked to move, or already all at that supplier (``line``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, func, select

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import variants
from truecount.adapters.db.tables.channels import channels
from truecount.adapters.db.tables.ledger import stock_levels
from truecount.adapters.db.tables.orders import bookings, order_lines, orders
from truecount.adapters.db.tables.suppliers import suppliers
from truecount.domain.booking.planner import take
from truecount.domain.booking.view import ChannelSources
from truecount.domain.errors import Conflict, InsufficientStock, InvalidInput, NotFound
from truecount.domain.model import LedgerLine, MovementKind
from truecount.services.common import availability
from truecount.services.common.idempotency import run_once
from truecount.services.common.retry import with_retry
from truecount.services.common.scope import Scope, db_time, utcnow
from truecount.services.orders import booking
from truecount.services.orders.dropship import request_purchase_orders
from truecount.services.orders.results import Order
from truecount.services.orders.views import order_view
from truecount.services.purchasing import collect as purchasing
from truecount.services.stock.ledger import Guard, LineMeta, apply_line

_FIND_ORDER = (
    select(orders.c.id, orders.c.external_id, channels.c.code)
    .join(channels, channels.c.id == orders.c.channel_id)
    .where(orders.c.merchant_id == bindparam("m"), orders.c.id == bindparam("id"))
)


def send_line_to_supplier(
    db: Database, scope: Scope, order_id: int, line: int, supplier: str, key: str | None = None
) -> Order:
    """Move order line ``line`` (its number, from 1) of order ``order_id`` to ``supplier`` (see the module)."""
    if isinstance(line, bool) or not isinstance(line, int) or line < 1:
        raise InvalidInput("must be a line number, from 1", field="line")
    payload = {"line_supplier": [order_id, line, supplier]}

    def attempt() -> Order:
        with db.write() as conn:
            return run_once(
                conn, scope.merchant_id, key, payload, lambda: _send(conn, scope, order_id, line, supplier), Order
            )

    return with_retry(attempt)


def _send(conn: Connection, scope: Scope, order_id: int, line_no: int, code: str) -> Order:
    m = scope.merchant_id
    lock = _FIND_ORDER.with_for_update(of=orders) if conn.dialect.name == "postgresql" else _FIND_ORDER
    order = conn.execute(lock, {"m": m, "id": order_id}).first()
    if order is None:
        raise NotFound(f"no order {order_id}", field="id")
    row = conn.execute(
        select(order_lines.c.id, variants.c.sku)
        .join(variants, variants.c.id == order_lines.c.variant_id)
        .where(order_lines.c.merchant_id == m, order_lines.c.order_id == order_id, order_lines.c.line_no == line_no)
    ).first()
    if row is None:
        raise NotFound(f"order {order_id} has no line {line_no}", field="line")
    found = conn.execute(
        select(suppliers.c.location_id).where(suppliers.c.merchant_id == m, suppliers.c.code == code)
    ).first()
    if found is None:
        raise NotFound(f"no supplier with code {code!r}", field="supplier")
    facts = booking.channel_facts(conn, m, str(order.code))
    at = int(found.location_id)
    if at not in facts.ranks:
        raise InvalidInput(f"{code}'s location does not feed channel {order.code}", field="supplier")
    moving = _open_bookings(conn, m, int(row.id), at)
    if not moving:
        raise Conflict(f"line {line_no} has nothing booked elsewhere to move to {code}", field="line")
    now = db_time(utcnow())
    meta = LineMeta(m, now, scope.actor, reference=f"order:{order_id}", order_line_id=int(row.id))
    there = ChannelSources(facts.sources.code, facts.sources.id, "priority", {
        place: rank for place, rank in facts.sources.ranks.items() if place[0] == at
    })  # fmt: skip
    mark = int(conn.execute(select(func.max(bookings.c.id)).where(bookings.c.merchant_id == m)).scalar() or 0)
    touched: set[int] = set()
    for variant_id, sku in sorted({(int(b.variant_id), str(b.sku)) for b in moving}):
        mine = [b for b in moving if int(b.variant_id) == variant_id]
        need = sum(int(b.open) for b in mine)
        _book_at(conn, m, there, variant_id, sku, need, code, meta)
        for b in mine:
            q = int(b.open)
            line = LedgerLine(MovementKind.RELEASE, variant_id, int(b.location_id), int(b.inventory_type_id), "", 0, -q)
            apply_line(conn, line, meta, Guard.NON_NEGATIVE)
            conn.execute(bookings.update().where(bookings.c.id == b.id).values(released=bookings.c.released + q))
            purchasing.release(conn, m, int(b.id), q)  # the supplier asked before is told
        touched.add(variant_id)
    request_purchase_orders(
        conn, m, order_id, str(order.code), str(order.external_id), [int(row.id)], after_booking_id=mark,
        why=f"chosen by {scope.actor}",
    )  # fmt: skip
    availability.changed(conn, m, touched)
    return order_view(conn, m, order_id)


def _open_bookings(conn: Connection, m: int, line_id: int, at: int) -> list[Any]:
    """The line's bookings with units still open at any location but ``at``."""
    b = bookings.c
    return list(
        conn.execute(
            select(b.id, b.variant_id, variants.c.sku, b.location_id, b.inventory_type_id,
                   (b.quantity - b.shipped - b.released).label("open"))
            .join(variants, variants.c.id == b.variant_id)
            .where(b.merchant_id == m, b.order_line_id == line_id, b.location_id != at,
                   b.quantity - b.shipped - b.released > 0)
            .order_by(b.id)
        )
    )  # fmt: skip


def _book_at(
    conn: Connection, m: int, there: ChannelSources, variant_id: int, sku: str, need: int, code: str, meta: LineMeta
) -> None:
    """Book ``need`` of the variant at the supplier's location (its places in ``there``), or refuse."""
    s = stock_levels.c
    free = {
        (int(loc), int(t)): int(q)
        for loc, t, q in conn.execute(
            select(s.location_id, s.inventory_type_id, s.on_hand - s.booked).where(
                s.merchant_id == m, s.variant_id == variant_id, s.on_hand > s.booked
            )
        )
        if (int(loc), int(t)) in there.ranks
    }
    takes, short = take(need, free, there)
    if short:
        raise Conflict(f"{code} has only {need - short} of {sku} free (the line needs {need})", field="supplier")
    for t in takes:
        line = LedgerLine(MovementKind.BOOK, variant_id, t.location_id, t.inventory_type_id, "", 0, t.quantity)
        try:
            apply_line(conn, line, meta, Guard.AVAILABLE)
        except InsufficientStock:
            raise Conflict(f"{code} no longer has {t.quantity} of {sku} free", field="supplier") from None
        conn.execute(
            bookings.insert().values(
                merchant_id=m, order_line_id=meta.order_line_id, variant_id=variant_id, location_id=t.location_id,
                inventory_type_id=t.inventory_type_id, quantity=t.quantity, shipped=0, released=0, created_at=meta.at,
            )
        )  # fmt: skip
