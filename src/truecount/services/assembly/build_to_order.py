"""Build to order: a kit built ahead with a build location (``bom set … --build-to-order-at LOC``)
gets a work order when channel orders owe it more than its open work orders build.

Wired on the shortfalls seam (:mod:`truecount.services.common.shortfalls`): it runs in the order's
transaction, only for orders that owe something. For each such kit, what its open backorders
owe beyond what its open work orders (draft, released, in progress) will still build becomes a
new work order at the build location, released at once when the components are there (booked in
a savepoint: a shortfall or a race leaves it a draft, the order itself unaffected). The order's
line waits as any backorder does; kits produced are booked for the oldest backorders first.
"""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from truecount.adapters.db.tables.assembly import work_orders
from truecount.adapters.db.tables.catalog import variants
from truecount.adapters.db.tables.orders import backorders
from truecount.domain.assembly import AHEAD, WorkOrderStatus
from truecount.domain.errors import InsufficientStock
from truecount.services.common.scope import Scope

from .work_orders import Beaten, insert_draft, release_in

ACTOR = "system:build-to-order"
OPEN = (WorkOrderStatus.DRAFT.value, WorkOrderStatus.RELEASED.value, WorkOrderStatus.IN_PROGRESS.value)


def on_owed(conn: Connection, m: int, variant_ids: set[int]) -> None:
    """The shortfalls listener (see the module)."""
    v = variants.c
    kits = conn.execute(
        select(v.id, v.build_at)
        .where(v.merchant_id == m, v.id.in_(sorted(variant_ids)), v.build_at.is_not(None), v.assembly == AHEAD)
        .order_by(v.id)
        .with_for_update()  # one order at a time decides what a kit still needs built (PostgreSQL)
    ).all()
    for kit, at in kits:
        need = _owed(conn, m, int(kit)) - _building(conn, m, int(kit))
        if need <= 0:
            continue
        number = insert_draft(conn, m, int(kit), int(at), need, ACTOR)
        try:
            with conn.begin_nested():
                release_in(conn, Scope(m, ACTOR), number)
        except (InsufficientStock, Beaten):
            pass  # left a draft: released by hand (`workorder release`) when the components arrive


def _owed(conn: Connection, m: int, kit: int) -> int:
    b = backorders.c
    return int(
        conn.execute(
            select(func.coalesce(func.sum(b.quantity - b.allocated - b.cancelled), 0)).where(
                b.merchant_id == m, b.variant_id == kit
            )
        ).scalar_one()
    )


def _building(conn: Connection, m: int, kit: int) -> int:
    w = work_orders.c
    return int(
        conn.execute(
            select(func.coalesce(func.sum(w.quantity - w.produced - w.scrapped), 0)).where(
                w.merchant_id == m, w.variant_id == kit, w.status.in_(OPEN)
            )
        ).scalar_one()
    )
