"""Finding orders and reading one order's whole story, as the order pages and the API show them.

- :func:`find_orders` — orders newest first, filtered by status, "still owes units"
  (backordered), channel and the day placed (UTC);
- :func:`order_story` — one order's view plus its oversell incidents, its history (every
  movement made for it: bookings, shipments with their lots, releases, returns) and, per
  line, what is still owed in the line's own units (a bundle short of two mugs still owes
  one bundle).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta

from sqlalchemy import Connection, exists, or_, select

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import bundle_components, inventory_types, locations, variants
from truecount.adapters.db.tables.channels import channels
from truecount.adapters.db.tables.ledger import movements
from truecount.adapters.db.tables.orders import backorders, incidents, order_lines, orders
from truecount.domain.errors import InvalidInput
from truecount.domain.orders_display import line_units_owed
from truecount.services.common.scope import Scope, as_utc, db_time
from truecount.services.orders.results import Order, OrderHead, OrderIncident, OrderMovement, OrderStory, StoryLine
from truecount.services.orders.views import order_view

STATUSES = ("open", "fulfilled", "cancelled")
HISTORY_LIMIT = 500


@dataclass(frozen=True)
class OrderQuery:
    """Which orders: ``status`` (None: any), ``backordered`` (only orders still owing units),
    ``channel`` (its code), placed on or after ``placed_from`` and on or before ``placed_to`` (UTC days)."""

    status: str | None = None
    backordered: bool = False
    channel: str | None = None
    placed_from: date | None = None
    placed_to: date | None = None


def find_orders(db: Database, scope: Scope, query: OrderQuery, limit: int = 50, offset: int = 0) -> list[Order]:
    """Orders newest first, each as :func:`~truecount.services.orders.views.order_view` shows it."""
    if query.status is not None and query.status not in STATUSES:
        raise InvalidInput(f"must be one of {', '.join(STATUSES)}", field="status")
    if query.placed_from and query.placed_to and query.placed_from > query.placed_to:
        raise InvalidInput("must not be after placed_to", field="placed_from")
    m = scope.merchant_id
    o = orders.c
    stmt = select(o.id).where(o.merchant_id == m)
    if query.status:
        stmt = stmt.where(o.status == query.status)
    if query.channel:
        stmt = stmt.where(
            o.channel_id.in_(select(channels.c.id).where(channels.c.merchant_id == m, channels.c.code == query.channel))
        )
    if query.placed_from:
        stmt = stmt.where(o.created_at >= db_time(datetime.combine(query.placed_from, time())))
    if query.placed_to:
        stmt = stmt.where(o.created_at < db_time(datetime.combine(query.placed_to + timedelta(days=1), time())))
    if query.backordered:
        b, line = backorders.c, order_lines.c
        owing = (
            select(line.id)
            .join(backorders, b.order_line_id == line.id)
            .where(line.merchant_id == m, line.order_id == o.id, b.quantity - b.allocated - b.cancelled > 0)
        )
        stmt = stmt.where(exists(owing))
    with db.read() as conn:
        ids = conn.execute(stmt.order_by(o.id.desc()).limit(limit).offset(offset)).scalars().all()
        return [order_view(conn, m, int(i)) for i in ids]


def order_story(db: Database, scope: Scope, order_id: int) -> OrderStory:
    """The order's view with its ``incidents``, ``history`` (newest first) and each line's ``owed_units``."""
    m = scope.merchant_id
    with db.read() as conn:
        view = order_view(conn, m, order_id)
        line_ids = list(
            conn.execute(
                select(order_lines.c.id).where(order_lines.c.merchant_id == m, order_lines.c.order_id == order_id)
            ).scalars()
        )
        per_unit = _bundle_parts(conn, m, [line.sku for line in view.lines])
        oversold = _incidents(conn, m, order_id)
        history = _history(conn, m, order_id, view, [int(i) for i in line_ids])
    lines = []
    for line in view.lines:
        owed = {item.sku: item.open for item in line.backorder.items}
        lines.append(StoryLine.of(line, line_units_owed(line.sku, owed, per_unit.get(line.sku, {}))))
    head = {f.name: getattr(view, f.name) for f in fields(OrderHead)}
    return OrderStory(**head, lines=lines, incidents=oversold, history=history)


def _bundle_parts(conn: Connection, m: int, skus: list[str]) -> dict[str, dict[str, int]]:
    bundle, part = variants.alias("bundle"), variants.alias("part")
    c = bundle_components.c
    rows = conn.execute(
        select(bundle.c.sku, part.c.sku, c.quantity)
        .join(bundle, bundle.c.id == c.bundle_id)
        .join(part, part.c.id == c.component_id)
        .where(c.merchant_id == m, bundle.c.sku.in_(skus))
    )
    found: dict[str, dict[str, int]] = {}
    for bundle_sku, part_sku, quantity in rows:
        found.setdefault(str(bundle_sku), {})[str(part_sku)] = int(quantity)
    return found


def _incidents(conn: Connection, m: int, order_id: int) -> list[OrderIncident]:
    """The order's oversell incidents: ``sku`` ran short on line ``line``, which sold ``sold_sku``."""
    short, sold = variants.alias("short"), variants.alias("sold")
    rows = conn.execute(
        select(incidents, short.c.sku, sold.c.sku.label("sold_sku"), order_lines.c.line_no)
        .join(short, short.c.id == incidents.c.variant_id)
        .join(order_lines, order_lines.c.id == incidents.c.order_line_id)
        .join(sold, sold.c.id == order_lines.c.variant_id)
        .where(incidents.c.merchant_id == m, incidents.c.order_id == order_id)
        .order_by(incidents.c.id)
    )
    return [
        OrderIncident(r.sku, r.sold_sku, int(r.line_no), int(r.quantity), r.cause, as_utc(r.created_at).isoformat())
        for r in rows
    ]


def _history(conn: Connection, m: int, order_id: int, view: Order, line_ids: list[int]) -> list[OrderMovement]:
    c = movements.c
    references = [f"order:{order_id}", f"order:{view.channel}:{view.external_id}"]
    stmt = (
        select(
            c.at,
            c.kind,
            variants.c.sku,
            locations.c.code,
            inventory_types.c.code,
            c.lot,
            c.on_hand_delta,
            c.booked_delta,
            c.actor,
            c.reason,
        )
        .select_from(
            movements.join(variants, variants.c.id == c.variant_id)
            .outerjoin(locations, locations.c.id == c.location_id)
            .join(inventory_types, inventory_types.c.id == c.inventory_type_id)
        )
        .where(c.merchant_id == m, or_(c.order_line_id.in_(line_ids), c.reference.in_(references)))
        .order_by(c.at.desc(), c.id.desc())
        .limit(HISTORY_LIMIT)
    )
    return [
        OrderMovement(as_utc(r[0]).isoformat(), r[1], r[2], r[3], r[4], r[5] or None, int(r[6]), int(r[7]), r[8], r[9])
        for r in conn.execute(stmt)
    ]
