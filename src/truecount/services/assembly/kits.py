"""A variant as a kit, for the pages: its bill of materials (if any) and its work orders."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.assembly import work_orders
from truecount.adapters.db.tables.catalog import variants
from truecount.services.common.lookups import variant_id
from truecount.services.common.scope import Scope

from .bills import Bill, bill_view
from .views import WorkOrder, work_order_view

SHOWN = 50  # work orders shown, newest first


@dataclass(frozen=True)
class Kit:
    """``bill``: the bill's view (``None``: not a kit); ``work_orders``: the newest of its work orders."""

    bill: Bill | None = None
    work_orders: list[WorkOrder] = field(default_factory=list)


def kit_of(db: Database, scope: Scope, sku: str) -> Kit:
    """The kit ``sku`` is (by SKU or barcode), or an empty :class:`Kit` when it has no bill."""
    m = scope.merchant_id
    with db.read() as conn:
        vid = variant_id(conn, m, sku)
        if conn.execute(select(variants.c.assembly).where(variants.c.id == vid)).scalar() is None:
            return Kit()
        w = work_orders.c
        ids = conn.execute(
            select(w.id).where(w.merchant_id == m, w.variant_id == vid).order_by(w.id.desc()).limit(SHOWN)
        ).scalars()
        return Kit(bill_view(conn, m, vid), [work_order_view(conn, m, int(i)) for i in ids])
