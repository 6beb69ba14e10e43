"""Drop-ship purchase orders: a line booked at a ``dropship`` location asks that supplier
to ship it. The supplier's feed (``feed`` movements) sets the location's quantity; the order is
fulfilled like any other once the supplier confirms shipping.

Each order booked at drop-ship locations emits, in the booking's transaction, one outbox event
``dropship_purchase_order`` per supplier: ``{order_id, channel, external_id, supplier,
supplier_name, lines: [{line, sku, quantity, why}]}`` (``why``: why this supplier under the rule the
line was taken by — ``cheapest``, ``fastest``, ``reliable``, ``own_first`` (:mod:`.why`); else null)
— the record a connector (e-mail, EDI, the supplier's API) delivers, listed by
:func:`list_dropship_orders`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection, select

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import locations, variants
from truecount.adapters.db.tables.channels import events
from truecount.adapters.db.tables.orders import bookings, order_lines
from truecount.domain.errors import InvalidInput, NotFound
from truecount.domain.model import LocationKind
from truecount.services.common.outbox import emit_event
from truecount.services.common.scope import Scope, as_utc, utcnow
from truecount.services.orders.why import explainer
from truecount.services.purchasing.collect import Asked, collect

TOPIC = "dropship_purchase_order"


@dataclass(frozen=True, slots=True)
class PurchaseLine:
    """A line of a drop-ship purchase order: the order line's number, the SKU and how many to ship;
    ``why``: why this supplier under the rule the line was taken by (:mod:`.why`; ``None``: priority)."""

    line: int
    sku: str
    quantity: int
    why: str | None = None


@dataclass(frozen=True, slots=True)
class PurchaseOrder:
    """What one drop-ship supplier is asked to ship for an order (the outbox event's payload)."""

    order_id: int
    channel: str
    external_id: str
    supplier: str
    supplier_name: str
    lines: list[PurchaseLine]


@dataclass(frozen=True, slots=True)
class DropshipOrder:
    """A drop-ship purchase order as listed: its event's id, the purchase order, when it was asked for."""

    id: int
    order_id: int
    channel: str
    external_id: str
    supplier: str
    supplier_name: str
    lines: list[PurchaseLine]
    at: str


def request_purchase_orders(
    conn: Connection,
    m: int,
    order_id: int,
    channel: str,
    external_id: str,
    line_ids: list[int],
    after_booking_id: int = 0,
    clock: int | None = None,
    why: str | None = None,
) -> list[PurchaseOrder]:
    """One purchase order per drop-ship supplier the order's bookings landed at (in the caller's transaction).

    ``after_booking_id``: only bookings made after it (a backorder allocated later asks again for
    what it got, not for what was already asked). ``clock``: the minute of the day (UTC) the order
    was planned at, which the lines' ``why`` compares cut-off times to (default: now). ``why``: every
    line's reason, given (a person chose the supplier).
    """
    if not line_ids:
        return []
    b = bookings.c
    rows = conn.execute(
        select(
            locations.c.code,
            locations.c.name,
            order_lines.c.line_no,
            variants.c.sku,
            b.quantity - b.released,
            b.location_id,
            b.id,
            b.order_line_id,
            b.variant_id,
        )
        .join(locations, locations.c.id == b.location_id)
        .join(order_lines, order_lines.c.id == b.order_line_id)
        .join(variants, variants.c.id == b.variant_id)
        .where(
            b.merchant_id == m,
            b.order_line_id.in_(line_ids),
            b.id > after_booking_id,
            locations.c.kind == LocationKind.DROPSHIP.value,
        )
        .order_by(locations.c.code, order_lines.c.line_no, b.id)
    ).all()
    explain = None
    if rows and not after_booking_id:
        now = utcnow()
        at = clock if clock is not None else now.hour * 60 + now.minute
        explain = explainer(conn, m, channel, {int(r[8]) for r in rows}, at)
    by_supplier: dict[str, PurchaseOrder] = {}
    asked: list[Asked] = []
    for code, name, line_no, sku, quantity, location_id, booking_id, line_id, variant_id in rows:
        if int(quantity) <= 0:
            continue
        po = by_supplier.setdefault(code, PurchaseOrder(order_id, channel, external_id, code, name, []))
        reason = why if why is not None else None if explain is None else explain(int(variant_id), sku, code)
        po.lines.append(PurchaseLine(int(line_no), sku, int(quantity), reason))
        asked.append(
            Asked(int(location_id), int(booking_id), order_id, int(line_id), int(variant_id), int(quantity), reason)
        )
    for po in by_supplier.values():
        emit_event(conn, m, TOPIC, asdict(po))
    collect(conn, m, asked)  # the suppliers' purchase orders (a location without a supplier record: none)
    return list(by_supplier.values())


def list_dropship_orders(
    db: Database, scope: Scope, limit: int = 50, offset: int = 0, *, supplier: str | None = None
) -> list[DropshipOrder]:
    """Drop-ship purchase orders, newest first; ``supplier`` (a dropship location code) keeps only its own."""
    if supplier is not None:
        with db.read() as conn:
            kind = conn.execute(
                select(locations.c.kind).where(
                    locations.c.merchant_id == scope.merchant_id, locations.c.code == supplier
                )
            ).scalar()
        if kind is None:
            raise NotFound(f"no location {supplier!r}", field="supplier")
        if kind != LocationKind.DROPSHIP.value:
            raise InvalidInput(f"{supplier!r} is a {kind} location, not a drop-ship supplier", field="supplier")
    found: list[DropshipOrder] = []
    skipped = 0
    after: int | None = None
    while len(found) < limit:
        with db.read() as conn:
            query = select(events.c.id, events.c.payload, events.c.at).where(
                events.c.merchant_id == scope.merchant_id, events.c.topic == TOPIC
            )
            if after is not None:
                query = query.where(events.c.id < after)
            rows = conn.execute(query.order_by(events.c.id.desc()).limit(PAGE)).all()
        for r in rows:
            po = _listed(int(r.id), json.loads(r.payload), as_utc(r.at).isoformat())
            if supplier is not None and po.supplier != supplier:
                continue
            if skipped < offset:
                skipped += 1
                continue
            found.append(po)
            if len(found) == limit:
                break
        if len(rows) < PAGE:
            break
        after = int(rows[-1].id)
    return found


PAGE = 500


def _listed(event_id: int, payload: dict[str, Any], at: str) -> DropshipOrder:
    """A purchase order's outbox event as listed."""
    return DropshipOrder(
        event_id, int(payload["order_id"]), payload["channel"], payload["external_id"], payload["supplier"],
        payload["supplier_name"], [PurchaseLine(**line) for line in payload["lines"]], at,
    )  # fmt: skip
