"""Ship a purchase order: one transaction that locks the purchase order, ships the order lines the
shipment covers (``ship`` movements at the supplier's drop-ship location, through the order
fulfilment path: the booking is consumed, the order line counts it fulfilled, the ledger names the
shipment), counts them shipped on the purchase order lines, moves the purchase order (``shipped``, or
``closed`` when every line is shipped or cancelled; ``shipped_at`` the first time), records the
shipment and queues a fulfilment push with tracking for each channel order it shipped.

The purchase order is locked first (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's writers are
serialised): two shipments of one purchase order queue, and the second sees what the first shipped,
so nothing is shipped twice. One shipment per purchase order and tracking number: the same again is
the recorded shipment (nothing new); the same tracking number with other lines is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select, update

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import locations, variants
from truecount.adapters.db.tables.purchasing import purchase_order_lines, purchase_orders, shipment_lines, shipments
from truecount.adapters.db.tables.suppliers import suppliers
from truecount.domain import purchase_orders as po_rules
from truecount.domain import shipments as rules
from truecount.domain.errors import Conflict, NotFound
from truecount.domain.fulfilments import Tracking
from truecount.services.common.idempotency import run_once
from truecount.services.common.retry import with_retry
from truecount.services.common.scope import Scope, db_time, utcnow
from truecount.services.orders.channel_fulfilments import queue_shipped
from truecount.services.orders.fulfilment import ship_booked
from truecount.services.purchasing.records import PurchaseOrderView, ShipmentView, read, shipments_of


@dataclass(frozen=True, slots=True)
class Shipped:
    """The shipment recorded (``created``: by this call; False: the same shipment was already
    recorded, nothing new) and the purchase order after it."""

    shipment: ShipmentView
    purchase_order: PurchaseOrderView
    created: bool
    replayed: bool = False


def ship_purchase_order(
    db: Database, scope: Scope, po_id: int, command: rules.ShipPurchaseOrder, source: str, key: str | None = None
) -> Shipped:
    """Record a supplier's shipment of purchase order ``po_id`` (see the module)."""
    checked = rules.check(command, scope.max_quantity)
    payload = {"ship_purchase_order": po_id, "command": _plain(checked)}

    def attempt() -> Shipped:
        with db.write() as conn:
            return run_once(
                conn, scope.merchant_id, key, payload, lambda: ship_in(conn, scope, po_id, checked, source), Shipped
            )

    return with_retry(attempt)


def _plain(command: rules.ShipPurchaseOrder) -> dict[str, Any]:
    lines = None if command.lines is None else [[x.sku, x.quantity] for x in command.lines]
    return {"carrier": command.carrier, "tracking": command.tracking, "url": command.tracking_url, "lines": lines}


_LOCK = select(purchase_orders.c.id, purchase_orders.c.state, suppliers.c.code, locations.c.code.label("location"))


def ship_in(conn: Connection, scope: Scope, po_id: int, command: rules.ShipPurchaseOrder, source: str) -> Shipped:
    """The shipment in the caller's write transaction (``command`` already checked)."""
    m = scope.merchant_id
    po = purchase_orders.c
    query = (
        _LOCK.join(suppliers, suppliers.c.id == po.supplier_id)
        .join(locations, locations.c.id == suppliers.c.location_id)
        .where(po.merchant_id == m, po.id == po_id)
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(of=purchase_orders)
    head = conn.execute(query).first()
    if head is None:
        raise NotFound(f"no purchase order {po_id}", field="id")
    number = po_rules.po_number(po_id)
    known = conn.execute(
        select(shipments.c.id).where(
            shipments.c.merchant_id == m,
            shipments.c.purchase_order_id == po_id,
            shipments.c.tracking == command.tracking,
        )
    ).scalar()
    if known is not None:
        return _again(conn, m, po_id, int(known), command, number)
    po_rules.check_act(number, head.state, po_rules.SHIP)
    pl = purchase_order_lines.c
    lines = conn.execute(
        select(
            pl.id, pl.order_id, pl.order_line_id, pl.variant_id, pl.quantity, pl.cancelled, pl.shipped, variants.c.sku
        )
        .join(variants, variants.c.id == pl.variant_id)
        .where(pl.merchant_id == m, pl.purchase_order_id == po_id)
        .order_by(pl.id)
    ).all()
    open_lines = [rules.OpenLine(int(x.id), x.sku, int(x.quantity) - int(x.cancelled) - int(x.shipped)) for x in lines]
    taken = rules.allocate(number, open_lines, command.lines)
    now = db_time(utcnow())
    shipment_id = conn.execute(
        insert(shipments)
        .values(
            merchant_id=m,
            purchase_order_id=po_id,
            carrier=command.carrier,
            tracking=command.tracking,
            tracking_url=command.tracking_url,
            source=source,
            shipped_at=now,
        )
        .returning(shipments.c.id)
    ).scalar_one()
    by_line: dict[tuple[int, int], dict[int, int]] = {}
    for x in lines:
        q = taken.get(int(x.id), 0)
        if q:
            units = by_line.setdefault((int(x.order_id), int(x.order_line_id)), {})
            units[int(x.variant_id)] = units.get(int(x.variant_id), 0) + q
            _count_shipped(conn, int(x.id), q, number)
            conn.execute(
                insert(shipment_lines).values(
                    merchant_id=m, shipment_id=shipment_id, purchase_order_line_id=int(x.id), quantity=q
                )
            )
    reason = f"shipped by supplier {head.code} ({number}): {command.carrier} {command.tracking}"
    shipped_orders: dict[int, list[tuple[str, int]]] = {}
    for (order_id, order_line_id), units in by_line.items():
        sku, q = ship_booked(conn, scope, order_id, order_line_id, units, head.location, "lines", reason)
        shipped_orders.setdefault(order_id, []).append((sku, q))
    _settle(conn, m, po_id, now)
    tracking = Tracking(command.carrier, command.tracking, command.tracking_url)
    for order_id, shipped in shipped_orders.items():  # the channel told, where its API takes it
        queue_shipped(conn, m, order_id, shipped, tracking)
    view = read(conn, m, po_id)
    return Shipped(next(s for s in view.shipments if s.id == shipment_id), view, created=True)


def _again(
    conn: Connection, m: int, po_id: int, shipment_id: int, command: rules.ShipPurchaseOrder, number: str
) -> Shipped:
    """The tracking number was recorded on this purchase order: the same lines are the same shipment."""
    recorded = shipments_of(conn, m, [po_id])[po_id]
    shipment = next(s for s in recorded if s.id == shipment_id)
    carried: dict[str, int] = {}
    for line in shipment.lines:
        carried[line.sku] = carried.get(line.sku, 0) + line.quantity
    if shipment.carrier != command.carrier or not rules.same_lines(carried, command.lines):
        raise Conflict(
            f"tracking {command.tracking} is already recorded on {number} with other lines or another carrier",
            field="tracking",
        )
    return Shipped(shipment, read(conn, m, po_id), created=False)


def _count_shipped(conn: Connection, line_id: int, q: int, number: str) -> None:
    pl = purchase_order_lines.c
    hit = conn.execute(
        update(purchase_order_lines)
        .where(pl.id == line_id, pl.quantity - pl.cancelled - pl.shipped >= q)
        .values(shipped=pl.shipped + q)
    ).rowcount
    if not hit:  # cannot happen under the purchase order's lock; refused rather than over-shipped
        raise Conflict(f"purchase order {number} changed meanwhile: try again", field="lines")


def _settle(conn: Connection, m: int, po_id: int, now: Any) -> None:
    pl = purchase_order_lines.c
    po = purchase_orders.c
    state = rules.state_after(
        [
            (int(q), int(c), int(s))
            for q, c, s in conn.execute(
                select(pl.quantity, pl.cancelled, pl.shipped).where(pl.merchant_id == m, pl.purchase_order_id == po_id)
            ).all()
        ]
    )
    first = conn.execute(select(po.shipped_at).where(po.id == po_id)).scalar()
    values: dict[str, Any] = {"state": state, "collecting": False, "shipped_at": first or now}
    if state == po_rules.CLOSED:
        values["closed_at"] = now
    conn.execute(update(purchase_orders).where(po.id == po_id).values(**values))
