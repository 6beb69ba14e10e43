"""Work orders: create, release (book the components), cancel (release them), list and show.

Releasing books every component of the kits at the work order's location (and its bins), in the
sellable inventory types, all or nothing: where each is taken from is the planner's rule
(:func:`truecount.domain.assembly.plan_release`), and each take is the ledger's guarded update
(``booked + q`` only where ``on_hand − booked ≥ q``), the statement channel orders book with — so
the two can never promise the same units twice. A take another transaction won first rolls the
release back and it plans again on what is left. Completing is :mod:`.completion`.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy import Connection, insert, select, update

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.assembly import work_order_holds, work_orders
from truecount.adapters.db.tables.catalog import inventory_types, variants
from truecount.adapters.db.tables.ledger import stock_levels
from truecount.domain.assembly import AHEAD, BOTH, CreateWorkOrder, WorkOrderStatus, check_act, plan_release
from truecount.domain.booking.sources import PRIORITY
from truecount.domain.booking.view import ChannelSources, Place
from truecount.domain.errors import InsufficientStock, InvalidInput, NotFound
from truecount.domain.ledger import check_quantity
from truecount.domain.model import LedgerLine, MovementKind
from truecount.services.common import availability
from truecount.services.common.idempotency import run_once
from truecount.services.common.lookups import location_and_descendants, location_id, variant_id
from truecount.services.common.retry import with_retry
from truecount.services.common.scope import Scope, db_time, utcnow
from truecount.services.stock.ledger import Guard, LineMeta, apply_line

from .bills import kit_bill
from .views import WorkOrder, work_order_view

RELEASE_TURNS = 12  # releases beaten to a take in a row before giving up


def create_work_order(db: Database, scope: Scope, cmd: CreateWorkOrder, key: str | None = None) -> WorkOrder:
    """A draft work order (nothing booked yet); its view."""
    check_quantity(cmd.quantity, field="quantity", max_quantity=scope.max_quantity)
    m = scope.merchant_id
    with db.write() as conn:
        return run_once(conn, m, key, {"work_order": asdict(cmd)}, lambda: _create(conn, scope, cmd), WorkOrder)


def _create(conn: Connection, scope: Scope, cmd: CreateWorkOrder) -> WorkOrder:
    m = scope.merchant_id
    kit = variant_id(conn, m, cmd.sku)
    row = conn.execute(select(variants.c.sku, variants.c.assembly).where(variants.c.id == kit)).one()
    if row.assembly is None:
        raise InvalidInput(f"{row.sku} has no bill of materials: give it one with `bom set`", field="sku")
    if row.assembly not in (AHEAD, BOTH):
        raise InvalidInput(
            f"{row.sku} is sold virtually (from its components at order time): set its mode to ahead or both to "
            "build it ahead",
            field="sku",
        )
    loc = location_id(conn, m, cmd.location)
    return work_order_view(conn, m, insert_draft(conn, m, kit, loc, cmd.quantity, scope.actor))


def insert_draft(conn: Connection, m: int, kit: int, loc: int, quantity: int, actor: str) -> int:
    """Write a draft work order (nothing booked); its number."""
    now = db_time(utcnow())
    pk = conn.execute(
        insert(work_orders).values(
            merchant_id=m,
            variant_id=kit,
            location_id=loc,
            quantity=quantity,
            produced=0,
            scrapped=0,
            status=WorkOrderStatus.DRAFT.value,
            created_by=actor,
            created_at=now,
            updated_at=now,
        )
    ).inserted_primary_key
    assert pk is not None
    return int(pk[0])


class Beaten(Exception):
    """A take the plan counted on was booked by another transaction first: plan again."""


def release_work_order(db: Database, scope: Scope, work_order: int, key: str | None = None) -> WorkOrder:
    """Book every component of a draft work order at its location (all or nothing); its view.

    Refused, nothing written, when the components are short: the refusal names each one."""
    m = scope.merchant_id

    def attempt() -> WorkOrder:
        for _ in range(RELEASE_TURNS):
            try:
                with db.write() as conn:
                    return run_once(
                        conn, m, key, {"release": work_order}, lambda: release_in(conn, scope, work_order), WorkOrder
                    )
            except Beaten:
                continue
        raise RuntimeError(f"work order {work_order}: beaten to its components {RELEASE_TURNS} times in a row")

    return with_retry(attempt)


def release_in(conn: Connection, scope: Scope, work_order: int) -> WorkOrder:
    """Release a draft work order inside the caller's transaction (refusals: see :func:`release_work_order`;
    :class:`Beaten` when another transaction took a component first — roll back and try again)."""
    m = scope.merchant_id
    wo = locked(conn, m, work_order)
    check_act("release", wo.status, work_order)
    bill = kit_bill(conn, m, int(wo.variant_id))
    if not bill:
        raise InvalidInput("the kit no longer has a bill of materials", field="sku")
    sources = _sources(conn, m, int(wo.location_id))
    components = [c for c, _ in bill]
    plan = plan_release(bill, int(wo.quantity), _free(conn, m, components, sources), sources)
    short = [p for p in plan if p.short]
    if short:
        names = dict(conn.execute(select(variants.c.id, variants.c.sku).where(variants.c.id.in_(components))).all())
        details = [
            {
                "sku": names[p.variant_id],
                "needed": p.per_kit * int(wo.quantity),
                "available": p.per_kit * int(wo.quantity) - p.short,
                "missing": p.short,
            }
            for p in short
        ]
        text = ", ".join(f"{d['sku']} (missing {d['missing']})" for d in details)
        raise InsufficientStock(
            f"not enough components at the location for {text}: nothing was booked", field="quantity", details=details
        )
    now = db_time(utcnow())
    meta = LineMeta(m, now, scope.actor, reference=f"workorder:{work_order}")
    holds = sorted(
        (p.variant_id, t.location_id, t.inventory_type_id, p.per_kit, t.quantity) for p in plan for t in p.takes
    )  # the global lock order: (variant, location, type)
    for vid, loc, itype, per_kit, q in holds:
        try:
            apply_line(conn, LedgerLine(MovementKind.BOOK, vid, loc, itype, "", 0, q), meta, Guard.AVAILABLE)
        except InsufficientStock as beaten:
            raise Beaten() from beaten
        conn.execute(
            insert(work_order_holds).values(
                merchant_id=m,
                work_order_id=work_order,
                variant_id=vid,
                location_id=loc,
                inventory_type_id=itype,
                per_kit=per_kit,
                quantity=q,
                consumed=0,
                released=0,
            )
        )
    set_status(conn, work_order, WorkOrderStatus.RELEASED, now)
    availability.changed(conn, m, set(components), taken=True)
    return work_order_view(conn, m, work_order)


def cancel_work_order(db: Database, scope: Scope, work_order: int, key: str | None = None) -> WorkOrder:
    """Cancel a work order: what its components still hold is released (kits produced stay)."""
    m = scope.merchant_id

    def attempt() -> WorkOrder:
        with db.write() as conn:
            return run_once(conn, m, key, {"cancel": work_order}, lambda: _cancel(conn, scope, work_order), WorkOrder)

    return with_retry(attempt)


def _cancel(conn: Connection, scope: Scope, work_order: int) -> WorkOrder:
    m = scope.merchant_id
    wo = locked(conn, m, work_order)
    check_act("cancel", wo.status, work_order)
    now = db_time(utcnow())
    meta = LineMeta(m, now, scope.actor, reason="work order cancelled", reference=f"workorder:{work_order}")
    freed: set[int] = set()
    h = work_order_holds.c
    for hold in open_holds(conn, m, work_order):
        left = int(hold.quantity) - int(hold.consumed) - int(hold.released)
        line = LedgerLine(
            MovementKind.RELEASE, int(hold.variant_id), int(hold.location_id), int(hold.inventory_type_id), "", 0, -left
        )
        apply_line(conn, line, meta, Guard.NON_NEGATIVE)
        conn.execute(update(work_order_holds).where(h.id == hold.id).values(released=h.released + left))
        freed.add(int(hold.variant_id))
    set_status(conn, work_order, WorkOrderStatus.CANCELLED, now)
    availability.changed(conn, m, freed)
    return work_order_view(conn, m, work_order)


def list_work_orders(db: Database, scope: Scope, status: str | None = None) -> list[WorkOrder]:
    """Work orders, newest first (``status``: only those in it)."""
    if status is not None and status not in {s.value for s in WorkOrderStatus}:
        raise InvalidInput(f"must be one of {', '.join(s.value for s in WorkOrderStatus)}", field="status")
    m = scope.merchant_id
    with db.read() as conn:
        query = select(work_orders.c.id).where(work_orders.c.merchant_id == m)
        if status is not None:
            query = query.where(work_orders.c.status == status)
        ids = conn.execute(query.order_by(work_orders.c.id.desc())).scalars().all()
        return [work_order_view(conn, m, int(i)) for i in ids]


def show_work_order(db: Database, scope: Scope, work_order: int) -> WorkOrder:
    """One work order (:class:`WorkOrder`)."""
    with db.read() as conn:
        return work_order_view(conn, scope.merchant_id, work_order)


def locked(conn: Connection, m: int, work_order: int) -> Any:
    """The work order's row, locked for this transaction (PostgreSQL; SQLite writers are serialised)."""
    w = work_orders.c
    row = conn.execute(select(work_orders).where(w.merchant_id == m, w.id == work_order).with_for_update()).first()
    if row is None:
        raise NotFound(f"no work order {work_order}", field="work_order")
    return row


def open_holds(conn: Connection, m: int, work_order: int) -> list[Any]:
    """The work order's holds with units still booked, oldest first."""
    h = work_order_holds.c
    return list(
        conn.execute(
            select(work_order_holds)
            .where(h.merchant_id == m, h.work_order_id == work_order, h.quantity - h.consumed - h.released > 0)
            .order_by(h.id)
        )
    )


def set_status(conn: Connection, work_order: int, status: WorkOrderStatus, now: Any, **values: Any) -> None:
    """Move a work order to ``status`` (with other column changes, e.g. ``produced``)."""
    conn.execute(
        update(work_orders).where(work_orders.c.id == work_order).values(status=status.value, updated_at=now, **values)
    )


def _sources(conn: Connection, m: int, loc: int) -> ChannelSources:
    """Where a work order at ``loc`` books from: the location (first) and its bins, in the
    merchant's sellable inventory types."""
    places = location_and_descendants(conn, m, loc)
    types = conn.execute(
        select(inventory_types.c.id).where(inventory_types.c.merchant_id == m, inventory_types.c.sellable.is_(True))
    ).scalars()
    type_ids = [int(t) for t in types]
    ranks: dict[Place, int] = {(p, t): 0 if p == loc else 1 for p in places for t in type_ids}
    return ChannelSources(f"workorder@{loc}", 0, PRIORITY, ranks)


def _free(conn: Connection, m: int, components: list[int], sources: ChannelSources) -> dict[int, dict[Place, int]]:
    s = stock_levels.c
    rows = conn.execute(
        select(s.variant_id, s.location_id, s.inventory_type_id, s.on_hand - s.booked).where(
            s.merchant_id == m, s.variant_id.in_(components), s.on_hand > s.booked
        )
    )
    free: dict[int, dict[Place, int]] = {}
    for vid, loc, itype, q in rows:
        if (int(loc), int(itype)) in sources.ranks:
            free.setdefault(int(vid), {})[(int(loc), int(itype))] = int(q)
    return free
