"""Read purchase orders (list with filters, one with its lines) and move them: acknowledge, cancel.

Every act is a guarded ``UPDATE … WHERE state IN (…)``: two clients acting at once cannot both move
a purchase order; the one that finds it moved is refused (409) naming the state it is in now.
Sending is :mod:`.sending`; shipping (a supplier's shipment with its tracking number) is
``services.shipping``, whose shipments each view lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select, update

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import locations, variants
from truecount.adapters.db.tables.channels import channels
from truecount.adapters.db.tables.orders import order_lines, orders
from truecount.adapters.db.tables.purchasing import purchase_order_lines, purchase_orders, shipment_lines, shipments
from truecount.adapters.db.tables.suppliers import supplier_items, suppliers
from truecount.domain import purchase_orders as rules
from truecount.domain.errors import NotFound
from truecount.domain.suppliers import cost_text
from truecount.services.common.idempotency import run_once
from truecount.services.common.scope import Scope, as_utc, db_time, utcnow


@dataclass(frozen=True, slots=True)
class PurchaseOrderLine:
    """A line: the customer's order (channel, external id, line number), our SKU and the supplier's,
    asked, cancelled, shipped and still open quantities, the unit cost then (decimal string) and why."""

    order_id: int
    channel: str
    external_id: str
    line: int
    sku: str
    supplier_sku: str | None
    quantity: int
    cancelled: int
    shipped: int
    open: int
    unit_cost: str | None
    why: str | None


@dataclass(frozen=True, slots=True)
class ShipmentLine:
    """Units of one purchase order line a shipment carried: the customer's order, its line, our SKU."""

    channel: str
    external_id: str
    line: int
    sku: str
    quantity: int


@dataclass(frozen=True, slots=True)
class ShipmentView:
    """A supplier's shipment: carrier, tracking number and URL, where it was recorded from, when."""

    id: int
    carrier: str
    tracking: str
    tracking_url: str | None
    source: str
    shipped_at: str
    lines: list[ShipmentLine]


@dataclass(frozen=True, slots=True)
class PurchaseOrderView:
    """A purchase order: number, supplier, state, the facts (times in ISO 8601 UTC, None: not yet),
    the send schedule's due time, failed sends, an amendment still to tell, and its lines."""

    id: int
    number: str
    supplier: str
    supplier_name: str
    email: str
    currency: str
    location: str
    state: str
    created_at: str
    send_due_at: str | None
    sent_at: str | None
    acknowledged_at: str | None
    shipped_at: str | None
    closed_at: str | None
    cancelled_at: str | None
    late_at: str | None
    followed_up_at: str | None
    send_attempts: int
    send_error: str | None
    notice: str | None
    message_id: str
    total: str
    lines: list[PurchaseOrderLine]
    shipments: list[ShipmentView]
    replayed: bool = False


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else as_utc(moment).isoformat()


_HEAD = (
    purchase_orders,
    suppliers.c.code.label("supplier"),
    suppliers.c.name.label("supplier_name"),
    suppliers.c.email,
    suppliers.c.currency,
    locations.c.code.label("location"),
)


def _heads(conn: Connection, m: int, *where: Any, limit: int = 1, offset: int = 0) -> list[Any]:
    po = purchase_orders.c
    query = (
        select(*_HEAD)
        .join(suppliers, suppliers.c.id == po.supplier_id)
        .join(locations, locations.c.id == suppliers.c.location_id)
        .where(po.merchant_id == m, *where)
        .order_by(po.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(conn.execute(query).all())


def read(conn: Connection, m: int, po_id: int) -> PurchaseOrderView:
    """One purchase order with its lines; an unknown id is :class:`NotFound` naming ``id``."""
    found = _heads(conn, m, purchase_orders.c.id == po_id)
    if not found:
        raise NotFound(f"no purchase order {po_id}", field="id")
    return _views(conn, m, found)[0]


def _views(conn: Connection, m: int, heads: list[Any]) -> list[PurchaseOrderView]:
    if not heads:
        return []
    pl = purchase_order_lines.c
    rows = conn.execute(
        select(
            pl.purchase_order_id,
            pl.order_id,
            pl.quantity,
            pl.cancelled,
            pl.shipped,
            pl.unit_cost,
            pl.why,
            channels.c.code.label("channel"),
            orders.c.external_id,
            order_lines.c.line_no,
            variants.c.sku,
            supplier_items.c.supplier_sku,
        )
        .join(purchase_orders, purchase_orders.c.id == pl.purchase_order_id)
        .join(orders, orders.c.id == pl.order_id)
        .join(channels, channels.c.id == orders.c.channel_id)
        .join(order_lines, order_lines.c.id == pl.order_line_id)
        .join(variants, variants.c.id == pl.variant_id)
        .outerjoin(
            supplier_items,
            (supplier_items.c.merchant_id == pl.merchant_id)
            & (supplier_items.c.supplier_id == purchase_orders.c.supplier_id)
            & (supplier_items.c.variant_id == pl.variant_id),
        )
        .where(pl.merchant_id == m, pl.purchase_order_id.in_([int(h.id) for h in heads]))
        .order_by(pl.purchase_order_id, pl.order_id, order_lines.c.line_no, pl.id)
    ).all()
    lines: dict[int, list[PurchaseOrderLine]] = {}
    totals: dict[int, Decimal] = {}
    for r in rows:
        left = int(r.quantity) - int(r.cancelled) - int(r.shipped)
        cost = None if r.unit_cost is None else Decimal(r.unit_cost)
        lines.setdefault(int(r.purchase_order_id), []).append(
            PurchaseOrderLine(
                int(r.order_id),
                r.channel,
                r.external_id,
                int(r.line_no),
                r.sku,
                r.supplier_sku,
                int(r.quantity),
                int(r.cancelled),
                int(r.shipped),
                left,
                None if cost is None else cost_text(cost),
                r.why,
            )
        )
        if cost is not None:
            totals[int(r.purchase_order_id)] = totals.get(int(r.purchase_order_id), Decimal(0)) + cost * (
                int(r.quantity) - int(r.cancelled)
            )
    sent = shipments_of(conn, m, [int(h.id) for h in heads])
    return [
        PurchaseOrderView(
            int(h.id),
            rules.po_number(int(h.id)),
            h.supplier,
            h.supplier_name,
            h.email,
            h.currency,
            h.location,
            h.state,
            as_utc(h.created_at).isoformat(),
            _iso(h.send_due_at),
            _iso(h.sent_at),
            _iso(h.acknowledged_at),
            _iso(h.shipped_at),
            _iso(h.closed_at),
            _iso(h.cancelled_at),
            _iso(h.late_at),
            _iso(h.followed_up_at),
            int(h.send_attempts),
            h.send_error,
            h.notice,
            h.message_id,
            cost_text(totals.get(int(h.id), Decimal(0))),
            lines.get(int(h.id), []),
            sent.get(int(h.id), []),
        )
        for h in heads
    ]


def shipments_of(conn: Connection, m: int, po_ids: list[int]) -> dict[int, list[ShipmentView]]:
    """The shipments of these purchase orders, oldest first, each with its lines."""
    sh, sl, pl = shipments.c, shipment_lines.c, purchase_order_lines.c
    heads = conn.execute(
        select(shipments).where(sh.merchant_id == m, sh.purchase_order_id.in_(po_ids)).order_by(sh.id)
    ).all()
    if not heads:
        return {}
    rows = conn.execute(
        select(
            sl.shipment_id, sl.quantity, channels.c.code, orders.c.external_id, order_lines.c.line_no, variants.c.sku
        )
        .join(purchase_order_lines, pl.id == sl.purchase_order_line_id)
        .join(orders, orders.c.id == pl.order_id)
        .join(channels, channels.c.id == orders.c.channel_id)
        .join(order_lines, order_lines.c.id == pl.order_line_id)
        .join(variants, variants.c.id == pl.variant_id)
        .where(sl.merchant_id == m, sl.shipment_id.in_([int(h.id) for h in heads]))
        .order_by(sl.shipment_id, sl.id)
    ).all()
    carried: dict[int, list[ShipmentLine]] = {}
    for r in rows:
        line = ShipmentLine(r.code, r.external_id, int(r.line_no), r.sku, int(r.quantity))
        carried.setdefault(int(r.shipment_id), []).append(line)
    found: dict[int, list[ShipmentView]] = {}
    for h in heads:
        view = ShipmentView(
            int(h.id), h.carrier, h.tracking, h.tracking_url, h.source, as_utc(h.shipped_at).isoformat(),
            carried.get(int(h.id), []),
        )  # fmt: skip
        found.setdefault(int(h.purchase_order_id), []).append(view)
    return found


def get_purchase_order(db: Database, scope: Scope, po_id: int) -> PurchaseOrderView:
    with db.read() as conn:
        return read(conn, scope.merchant_id, po_id)


def list_purchase_orders(
    db: Database,
    scope: Scope,
    *,
    supplier: str | None = None,
    state: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[PurchaseOrderView]:
    """Purchase orders newest first; ``supplier`` (a supplier's code) and ``state`` narrow the list
    (an unknown supplier is :class:`NotFound`, an unknown state refused, each naming its field)."""
    where: list[Any] = []
    if state is not None:
        rules.check_state(state)
        where.append(purchase_orders.c.state == state)
    with db.read() as conn:
        m = scope.merchant_id
        if supplier is not None:
            found = conn.execute(
                select(suppliers.c.id).where(suppliers.c.merchant_id == m, suppliers.c.code == supplier)
            ).scalar()
            if found is None:
                raise NotFound(f"no supplier with code {supplier!r}", field="supplier")
            where.append(purchase_orders.c.supplier_id == found)
        return _views(conn, m, _heads(conn, m, *where, limit=limit, offset=offset))


def move(
    conn: Connection, m: int, po_id: int, act: str, values: dict[str, Any], only: tuple[str, ...] | None = None
) -> bool:
    """Move a purchase order by ``act`` (a guarded update from the states the act starts from, or from
    ``only`` of them). Refused naming the state it is in when the act cannot start there; False when
    it could but the purchase order is in none of ``only``."""
    po = purchase_orders.c
    states = rules.FROM[act] if only is None else only
    hit = conn.execute(
        update(purchase_orders).where(po.merchant_id == m, po.id == po_id, po.state.in_(states)).values(**values)
    ).rowcount
    if hit:
        return True
    state = conn.execute(select(po.state).where(po.merchant_id == m, po.id == po_id)).scalar()
    if state is None:
        raise NotFound(f"no purchase order {po_id}", field="id")
    rules.check_act(rules.po_number(po_id), state, act)
    return False


def acknowledge(db: Database, scope: Scope, po_id: int, key: str | None = None) -> PurchaseOrderView:
    """The supplier confirmed the purchase order (sent → acknowledged; the time is recorded)."""

    def act(conn: Connection) -> PurchaseOrderView:
        now = db_time(utcnow())
        move(conn, scope.merchant_id, po_id, rules.ACKNOWLEDGE, {"state": rules.ACKNOWLEDGED, "acknowledged_at": now})
        return read(conn, scope.merchant_id, po_id)

    with db.write() as conn:
        payload = {"acknowledge_purchase_order": po_id}
        return run_once(conn, scope.merchant_id, key, payload, lambda: act(conn), PurchaseOrderView)


def cancel(db: Database, scope: Scope, po_id: int, key: str | None = None) -> PurchaseOrderView:
    """Cancel a purchase order (draft, sent or acknowledged). One the supplier already has is marked to
    tell them (a cancellation mail the worker sends). The customer's order is not changed: its lines
    stay booked at the supplier's location until they are cancelled or booked elsewhere."""

    def act(conn: Connection) -> PurchaseOrderView:
        m = scope.merchant_id
        values: dict[str, Any] = {"state": rules.CANCELLED, "cancelled_at": db_time(utcnow()), "collecting": False}
        told = (rules.SENT, rules.ACKNOWLEDGED)
        if not move(conn, m, po_id, rules.CANCEL, values | {"notice": rules.CANCELLED}, only=told):
            move(conn, m, po_id, rules.CANCEL, values, only=(rules.DRAFT,))
        return read(conn, m, po_id)

    with db.write() as conn:
        payload = {"cancel_purchase_order": po_id}
        return run_once(conn, scope.merchant_id, key, payload, lambda: act(conn), PurchaseOrderView)
