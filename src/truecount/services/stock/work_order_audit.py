"""The audit that ties work orders to the ledger (part of ``verify``).

A work order's components are booked, consumed and released by ``book``, ``consume`` and
``release`` movements, and its kits arrive by ``produce`` movements, each with the reference
``workorder:ID``. So, from the ledger alone: what a work order still holds at each level is the sum
of those movements' ``booked`` deltas, and what it produced the sum of its ``produce`` deltas.
:func:`work_order_drift` names each work order whose stored figures differ from that.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from truecount.adapters.db.tables.assembly import work_order_holds, work_orders
from truecount.adapters.db.tables.ledger import movements
from truecount.domain.model import MovementKind

PREFIX = "workorder:"


@dataclass(frozen=True)
class WorkOrderDrift:
    """Work order ``work_order``'s ``field`` (``held`` of one component's level, or ``produced``) is
    ``stored`` where its movements sum to ``ledger``."""

    work_order: int
    field: str
    ledger: int
    stored: int

    def __str__(self) -> str:
        return f"work order {self.work_order}: {self.field} stored {self.stored}, its movements sum to {self.ledger}"


def work_order_drift(conn: Connection, m: int) -> list[WorkOrderDrift]:
    """Every work order figure its movements do not explain (empty: all is well)."""
    c = movements.c
    ledger_held: Counter[tuple[int, int, int, int]] = Counter()
    ledger_made: Counter[int] = Counter()
    rows = conn.execute(
        select(
            c.reference,
            c.kind,
            c.variant_id,
            c.location_id,
            c.inventory_type_id,
            func.sum(c.booked_delta),
            func.sum(c.on_hand_delta),
        )
        .where(c.merchant_id == m, c.reference.like(f"{PREFIX}%"))
        .group_by(c.reference, c.kind, c.variant_id, c.location_id, c.inventory_type_id)
    )
    for reference, kind, variant, location, itype, booked, on_hand in rows:
        number = str(reference).removeprefix(PREFIX)
        if not number.isdigit():
            continue
        if kind == MovementKind.PRODUCE.value:
            ledger_made[int(number)] += int(on_hand)
        else:
            ledger_held[(int(number), int(variant), int(location), int(itype))] += int(booked)
    h = work_order_holds.c
    stored_held: Counter[tuple[int, int, int, int]] = Counter()
    for wo, variant, location, itype, open_units in conn.execute(
        select(
            h.work_order_id, h.variant_id, h.location_id, h.inventory_type_id, h.quantity - h.consumed - h.released
        ).where(h.merchant_id == m)
    ):
        stored_held[(int(wo), int(variant), int(location), int(itype))] += int(open_units)
    w = work_orders.c
    stored_made = {int(i): int(p) for i, p in conn.execute(select(w.id, w.produced).where(w.merchant_id == m))}
    found = [
        WorkOrderDrift(
            key[0], f"held (variant {key[1]}, location {key[2]}, type {key[3]})", ledger_held[key], stored_held[key]
        )
        for key in sorted(set(ledger_held) | set(stored_held))
        if ledger_held[key] != stored_held[key]
    ]
    found += [
        WorkOrderDrift(wo, "produced", ledger_made[wo], stored_made.get(wo, 0))
        for wo in sorted(set(ledger_made) | set(stored_made))
        if ledger_made[wo] != stored_made.get(wo, 0)
    ]
    return found
