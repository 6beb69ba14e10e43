"""Completing a work order: consume the components it holds, produce the kits, in one transaction.

``complete`` takes ``quantity`` kits built and ``scrap`` kits' worth of components lost (with a
reason). Each component leaves its held stock first-expiry-first-out (``consume``: on hand and
booked −q, like a shipment); the units consumed for the kits built come first, then those
scrapped (their movements carry the reason). The kits arrive at the work order's location as good
stock (``produce``), in a lot expiring with the earliest component lot they consumed (no lot when
none expires). Partial completion leaves the work order in progress; the last one makes it done.
Each completion adds what it consumed, at each component's known cost at that moment, to the work
order's consumed cost (:mod:`truecount.domain.costing`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select, update

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.assembly import work_order_holds
from truecount.adapters.db.tables.catalog import lots, variants
from truecount.domain.assembly import Complete, WorkOrderStatus, check_act, check_completion, kit_expiry, kit_lot
from truecount.domain.costing import Consumed, CostSoFar, add_consumed
from truecount.domain.ledger import plan_fefo
from truecount.domain.model import LedgerLine, MovementKind
from truecount.services.common import availability
from truecount.services.common.idempotency import run_once
from truecount.services.common.lookups import inventory_type_id
from truecount.services.common.retry import with_retry
from truecount.services.common.scope import Scope, db_time, utcnow
from truecount.services.common.sql import insert_ignore
from truecount.services.stock.ledger import Guard, LineMeta, apply_line, lots_at
from truecount.services.suppliers.costs import known_costs

from .views import WorkOrder, work_order_view
from .work_orders import locked, open_holds, set_status


@dataclass(frozen=True)
class _Piece:
    """Units of one component taken from one lot of one hold."""

    hold: Any
    lot: str
    expires: date | None
    quantity: int


def complete_work_order(db: Database, scope: Scope, cmd: Complete, key: str | None = None) -> WorkOrder:
    """Consume and produce (see the module); the work order's view."""
    m = scope.merchant_id

    def attempt() -> WorkOrder:
        with db.write() as conn:
            payload = {"complete": cmd.work_order, "quantity": cmd.quantity, "scrap": cmd.scrap, "reason": cmd.reason}
            return run_once(conn, m, key, payload, lambda: _complete(conn, scope, cmd), WorkOrder)

    return with_retry(attempt)


def _complete(conn: Connection, scope: Scope, cmd: Complete) -> WorkOrder:
    m = scope.merchant_id
    wo = locked(conn, m, cmd.work_order)
    check_act("complete", wo.status, cmd.work_order)
    open_kits = int(wo.quantity) - int(wo.produced) - int(wo.scrapped)
    check_completion(open_kits, cmd.quantity, cmd.scrap, cmd.reason, max_quantity=scope.max_quantity)
    now = db_time(utcnow())
    reference = f"workorder:{cmd.work_order}"
    built = LineMeta(m, now, scope.actor, reference=reference)
    lost = LineMeta(m, now, scope.actor, reason=f"scrapped: {(cmd.reason or '').strip()}", reference=reference)
    by_component: dict[int, list[Any]] = {}
    for hold in open_holds(conn, m, cmd.work_order):
        by_component.setdefault(int(hold.variant_id), []).append(hold)
    used: list[tuple[date | None, int]] = []
    consumed: dict[int, int] = {}
    h = work_order_holds.c
    for holds in by_component.values():
        per_kit = int(holds[0].per_kit)
        for_kits = per_kit * cmd.quantity
        for i, piece in enumerate(_split(_pieces(conn, m, holds, per_kit * (cmd.quantity + cmd.scrap)), for_kits)):
            scrapped = i == 1
            for p in piece:
                line = LedgerLine(
                    MovementKind.CONSUME,
                    int(p.hold.variant_id),
                    int(p.hold.location_id),
                    int(p.hold.inventory_type_id),
                    p.lot,
                    -p.quantity,
                    -p.quantity,
                )
                apply_line(conn, line, lost if scrapped else built, Guard.NON_NEGATIVE)
                conn.execute(update(work_order_holds).where(h.id == p.hold.id).values(consumed=h.consumed + p.quantity))
                consumed[int(p.hold.variant_id)] = consumed.get(int(p.hold.variant_id), 0) + p.quantity
                if not scrapped:
                    used.append((p.expires, p.quantity))
    kit = int(wo.variant_id)
    if cmd.quantity:
        expires = kit_expiry(used)
        lot = kit_lot(cmd.work_order, expires)
        if lot:
            insert_ignore(conn, lots, {"merchant_id": m, "variant_id": kit, "code": lot, "expires_on": expires})
        good = inventory_type_id(conn, m, "good")
        line = LedgerLine(MovementKind.PRODUCE, kit, int(wo.location_id), good, lot, cmd.quantity, 0)
        apply_line(conn, line, built)
    produced, scrapped_kits = int(wo.produced) + cmd.quantity, int(wo.scrapped) + cmd.scrap
    status = WorkOrderStatus.DONE if produced + scrapped_kits == int(wo.quantity) else WorkOrderStatus.IN_PROGRESS
    cost = _cost_after(conn, m, wo, consumed)
    set_status(conn, cmd.work_order, status, now, produced=produced, scrapped=scrapped_kits, **cost)
    availability.changed(conn, m, {kit, *by_component})
    return work_order_view(conn, m, cmd.work_order)


def _cost_after(conn: Connection, m: int, wo: Any, consumed: dict[int, int]) -> dict[str, Any]:
    """The work order's cost columns after consuming ``consumed`` (units per component) now."""
    costs = known_costs(conn, m, consumed)
    skus = dict(conn.execute(select(variants.c.id, variants.c.sku).where(variants.c.id.in_(list(consumed)))).all())
    before = CostSoFar(None if wo.consumed_cost is None else Decimal(wo.consumed_cost), wo.cost_unknown)
    after = add_consumed(before, [Consumed(str(skus[v]), q, costs[v]) for v, q in consumed.items()])
    return {"consumed_cost": after.consumed, "cost_unknown": after.unknown}


def _pieces(conn: Connection, m: int, holds: list[Any], need: int) -> list[_Piece]:
    """``need`` units of one component from its holds (oldest first), each hold's level
    first-expiry-first-out."""
    found: list[_Piece] = []
    for hold in holds:
        if need == 0:
            break
        q = min(need, int(hold.quantity) - int(hold.consumed) - int(hold.released))
        key = {
            "merchant_id": m,
            "variant_id": int(hold.variant_id),
            "location_id": int(hold.location_id),
            "inventory_type_id": int(hold.inventory_type_id),
        }
        at = lots_at(conn, key)
        expiry = {code: expires for code, expires, _ in at if isinstance(expires, date)}
        for code, taken in plan_fefo(at, q):
            found.append(_Piece(hold, code, expiry.get(code), taken))
        need -= q
    return found


def _split(pieces: list[_Piece], first: int) -> tuple[list[_Piece], list[_Piece]]:
    """The first ``first`` units of ``pieces`` (in order), and the rest."""
    head: list[_Piece] = []
    tail: list[_Piece] = []
    left = first
    for p in pieces:
        if left >= p.quantity:
            head.append(p)
            left -= p.quantity
        elif left > 0:
            head.append(_Piece(p.hold, p.lot, p.expires, left))
            tail.append(_Piece(p.hold, p.lot, p.expires, p.quantity - left))
            left = 0
        else:
            tail.append(p)
    return head, tail
