"""What a work order looks like to its callers: the kit, where, how many, its status and what each
component holds (:class:`WorkOrder`, read by :func:`work_order_view`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import Connection, select

from truecount.adapters.db.tables.assembly import work_order_holds, work_orders
from truecount.adapters.db.tables.catalog import locations, variants
from truecount.domain.costing import kit_unit_cost
from truecount.domain.errors import NotFound
from truecount.domain.suppliers import cost_text


@dataclass(frozen=True, slots=True)
class Hold:
    """What one component of a work order holds at one place: ``per_kit`` units a kit, ``booked`` at
    release, then ``consumed`` (kits built or scrapped), ``released`` (cancelled) and still ``held``."""

    sku: str
    location: str
    per_kit: int
    booked: int
    consumed: int
    released: int
    held: int


@dataclass(frozen=True, slots=True)
class WorkOrder:
    """A work order building ``quantity`` kits ``sku`` at ``location``: ``produced`` and ``scrapped`` so
    far, ``open`` still to build, its ``status`` and its components' holds; ``consumed_cost`` what the
    components consumed so far cost and ``kit_cost`` a kit produced (decimal strings; None: unknown,
    ``cost_unknown`` says why, or no kit produced yet); ``replayed``: a change's key answered its first
    answer again."""

    id: int
    sku: str
    location: str
    quantity: int
    produced: int
    scrapped: int
    open: int
    status: str
    created_by: str
    created_at: str
    components: list[Hold] = field(default_factory=list)
    consumed_cost: str | None = "0.00"
    kit_cost: str | None = None
    cost_unknown: str | None = None
    replayed: bool = False


def work_order_view(conn: Connection, m: int, work_order: int) -> WorkOrder:
    """A work order: the kit, where, how many ordered, produced, scrapped and open, its status, and
    what each component holds (booked, consumed, released, still held)."""
    w = work_orders.c
    row = conn.execute(
        select(work_orders, variants.c.sku, locations.c.code)
        .join(variants, variants.c.id == w.variant_id)
        .join(locations, locations.c.id == w.location_id)
        .where(w.merchant_id == m, w.id == work_order)
    ).first()
    if row is None:
        raise NotFound(f"no work order {work_order}", field="work_order")
    h = work_order_holds.c
    holds = conn.execute(
        select(work_order_holds, variants.c.sku, locations.c.code.label("at"))
        .join(variants, variants.c.id == h.variant_id)
        .join(locations, locations.c.id == h.location_id)
        .where(h.merchant_id == m, h.work_order_id == work_order)
        .order_by(variants.c.sku, locations.c.code, h.id)
    ).all()
    consumed = None if row.consumed_cost is None else Decimal(row.consumed_cost)
    kit = kit_unit_cost(consumed, int(row.produced))
    return WorkOrder(
        id=int(row.id),
        sku=str(row.sku),
        location=str(row.code),
        quantity=int(row.quantity),
        produced=int(row.produced),
        scrapped=int(row.scrapped),
        open=int(row.quantity) - int(row.produced) - int(row.scrapped),
        status=str(row.status),
        created_by=str(row.created_by),
        created_at=row.created_at.isoformat(),
        components=[
            Hold(
                sku=str(r.sku),
                location=str(r.at),
                per_kit=int(r.per_kit),
                booked=int(r.quantity),
                consumed=int(r.consumed),
                released=int(r.released),
                held=int(r.quantity) - int(r.consumed) - int(r.released),
            )
            for r in holds
        ],
        consumed_cost=None if consumed is None else cost_text(consumed),
        kit_cost=None if kit is None else cost_text(kit),
        cost_unknown=row.cost_unknown,
    )
