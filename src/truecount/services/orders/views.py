"""Read orders and incidents as the API, the CLI and the pages show them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import inventory_types, locations, variants
from truecount.adapters.db.tables.channels import channels
from truecount.adapters.db.tables.orders import backorders, bookings, incidents, order_lines, orders
from truecount.adapters.db.tables.substitutes import line_substitutions
from truecount.domain.errors import InvalidInput, NotFound
from truecount.services.common.scope import Scope, as_utc
from truecount.services.orders.results import (
    Backorder,
    BackorderItem,
    LineBooking,
    LineSubstitute,
    Order,
    OrderLine,
)


def order_view(conn: Connection, m: int, order_id: int) -> Order:
    """The order with each line's bookings and what is still owed (backordered)."""
    head = conn.execute(
        select(orders, channels.c.code.label("channel"))
        .join(channels, channels.c.id == orders.c.channel_id)
        .where(orders.c.merchant_id == m, orders.c.id == order_id)
    ).first()
    if head is None:
        raise NotFound(f"no order {order_id}", field="id")
    lines = conn.execute(
        select(order_lines, variants.c.sku)
        .join(variants, variants.c.id == order_lines.c.variant_id)
        .where(order_lines.c.merchant_id == m, order_lines.c.order_id == order_id)
        .order_by(order_lines.c.line_no)
    ).all()
    line_ids = [int(line.id) for line in lines]
    held: dict[int, list[LineBooking]] = {}
    for b in conn.execute(
        select(bookings, variants.c.sku, locations.c.code.label("location"), inventory_types.c.code.label("itype"))
        .join(variants, variants.c.id == bookings.c.variant_id)
        .join(locations, locations.c.id == bookings.c.location_id)
        .join(inventory_types, inventory_types.c.id == bookings.c.inventory_type_id)
        .where(bookings.c.merchant_id == m, bookings.c.order_line_id.in_(line_ids))
        .order_by(bookings.c.id)
    ):
        held.setdefault(int(b.order_line_id), []).append(
            LineBooking(
                b.sku,
                b.location,
                b.itype,
                int(b.quantity),
                int(b.shipped),
                int(b.released),
                int(b.quantity) - int(b.shipped) - int(b.released),
            )
        )
    owed: dict[int, Backorder] = {}
    for bo in conn.execute(
        select(backorders, variants.c.sku)
        .join(variants, variants.c.id == backorders.c.variant_id)
        .where(backorders.c.merchant_id == m, backorders.c.order_line_id.in_(line_ids))
    ):
        entry = owed.setdefault(int(bo.order_line_id), Backorder())
        still = int(bo.quantity) - int(bo.allocated) - int(bo.cancelled)
        entry.open += still
        entry.preorder = entry.preorder or bool(bo.preorder)
        entry.items.append(BackorderItem(bo.sku, int(bo.quantity), int(bo.allocated), int(bo.cancelled), still))
    swapped = substitutes_of_lines(conn, m, line_ids)
    return Order(
        int(head.id),
        head.channel,
        head.external_id,
        bool(head.strict),
        head.status,
        as_utc(head.created_at).isoformat(),
        [
            OrderLine(
                int(line.line_no),
                line.sku,
                int(line.quantity),
                int(line.fulfilled),
                int(line.cancelled),
                int(line.returned),
                held.get(int(line.id), []),
                owed.get(int(line.id)) or Backorder(),
                swapped.get(int(line.id)),
            )
            for line in lines
        ],
    )


def substitutes_of_lines(conn: Connection, m: int, line_ids: list[int]) -> dict[int, LineSubstitute]:
    """Per order line shipped as a substitute: what ships instead, how many, why, and whether the
    customer must be told."""
    ls = line_substitutions.c
    rows = conn.execute(
        select(ls.order_line_id, variants.c.sku, ls.quantity, ls.ratio, ls.why, ls.notify)
        .join(variants, variants.c.id == ls.variant_id)
        .where(ls.merchant_id == m, ls.order_line_id.in_(line_ids))
    ).all()
    return {
        int(r.order_line_id): LineSubstitute(r.sku, int(r.quantity), int(r.ratio), r.why, bool(r.notify)) for r in rows
    }


def get_order(db: Database, scope: Scope, order_id: int) -> Order:
    """The order with each line's bookings and what is still owed."""
    with db.read() as conn:
        return order_view(conn, scope.merchant_id, order_id)


def list_orders(db: Database, scope: Scope, status: str | None = None, limit: int = 50, offset: int = 0) -> list[Order]:
    """Orders newest first, each with its lines, bookings and backorders."""
    if status is not None and status not in ("open", "fulfilled", "cancelled"):
        raise InvalidInput("must be open, fulfilled or cancelled", field="status")
    with db.read() as conn:
        stmt = select(orders.c.id).where(orders.c.merchant_id == scope.merchant_id)
        if status:
            stmt = stmt.where(orders.c.status == status)
        ids = conn.execute(stmt.order_by(orders.c.id.desc()).limit(limit).offset(offset)).scalars().all()
        return [order_view(conn, scope.merchant_id, int(i)) for i in ids]


@dataclass(frozen=True, slots=True)
class IncidentRow:
    """An oversell incident: ``quantity`` of ``sku`` ran short on ``line`` of an order, which sold
    ``ordered`` × ``sold_sku`` (a bundle whose component ran short, or the same SKU), and why."""

    id: int
    kind: str
    order_id: int
    external_id: str
    channel: str
    sku: str
    sold_sku: str
    line: int
    ordered: int
    quantity: int
    cause: str
    at: str


def list_incidents(db: Database, scope: Scope, limit: int = 50, offset: int = 0) -> list[IncidentRow]:
    """Oversell incidents, newest first. ``sku`` is what ran short; ``sold_sku`` what the order
    line sold — a bundle whose components ran short, or the same SKU."""
    m = scope.merchant_id
    short, sold = variants.alias("short"), variants.alias("sold")
    with db.read() as conn:
        rows = conn.execute(
            select(
                incidents,
                short.c.sku,
                sold.c.sku.label("sold_sku"),
                order_lines.c.line_no,
                order_lines.c.quantity.label("ordered"),
                channels.c.code.label("channel"),
                orders.c.external_id,
            )
            .join(short, short.c.id == incidents.c.variant_id)
            .join(order_lines, order_lines.c.id == incidents.c.order_line_id)
            .join(sold, sold.c.id == order_lines.c.variant_id)
            .join(channels, channels.c.id == incidents.c.channel_id)
            .join(orders, orders.c.id == incidents.c.order_id)
            .where(incidents.c.merchant_id == m)
            .order_by(incidents.c.id.desc())
            .limit(limit)
            .offset(offset)
        ).all()
    return [
        IncidentRow(
            int(r.id),
            r.kind,
            int(r.order_id),
            r.external_id,
            r.channel,
            r.sku,
            r.sold_sku,
            int(r.line_no),
            int(r.ordered),
            int(r.quantity),
            r.cause,
            as_utc(r.created_at).isoformat(),
        )
        for r in rows
    ]
