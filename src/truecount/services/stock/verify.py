"""Prove the projection equals the ledger: recompute every level from the movements (every kind,
``produce`` and ``consume`` included). Also audit the references the database no longer checks on
the booking hot path (:mod:`.orphans`), tie each work order to its movements
(:mod:`.work_order_audit`) and each variant's kept available figure to its levels
(:mod:`truecount.services.common.available`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import inventory_types, locations, variants
from truecount.adapters.db.tables.ledger import lot_levels, movements, stock_levels
from truecount.services.common.available import AvailableDrift, available_drift
from truecount.services.common.scope import Scope
from truecount.services.stock.orphans import Orphan, find_orphans
from truecount.services.stock.work_order_audit import WorkOrderDrift, work_order_drift


@dataclass(frozen=True)
class Difference:
    sku: str
    location: str
    inventory_type: str
    lot: str | None
    field: str
    ledger: int
    stored: int

    def __str__(self) -> str:
        lot = f" lot {self.lot}" if self.lot else ""
        return (
            f"{self.sku} at {self.location} ({self.inventory_type}{lot}): {self.field} stored {self.stored}, "
            f"ledger sums to {self.ledger}"
        )


#: What verify can find wrong: a level that is not the ledger's sum, a row naming a missing catalogue row,
#: order or order line, a work order whose holds or kits produced its movements do not explain, or a
#: stock screen figure (a variant's available, a place's feeds flag) that is not what the levels say.
Problem = Difference | Orphan | WorkOrderDrift | AvailableDrift


def verify(db: Database, scope: Scope) -> list[Problem]:
    """Every difference between the stored levels and the ledger's sums, then every orphan row
    (empty: all is well)."""
    m = scope.merchant_id
    c = movements.c
    with db.read() as conn:
        # One pass over the ledger, grouped by lot; level sums are added up from the lot sums.
        sums: dict[tuple[int, int, int], tuple[int, int]] = {}
        lot_sums: dict[tuple[int, int, int, str], int] = {}
        for v, loc, t, lot, on, bk in conn.execute(
            select(
                c.variant_id,
                c.location_id,
                c.inventory_type_id,
                c.lot,
                func.sum(c.on_hand_delta),
                func.sum(c.booked_delta),
            )
            .where(c.merchant_id == m, c.location_id.is_not(None))
            .group_by(c.variant_id, c.location_id, c.inventory_type_id, c.lot)
        ).all():
            key = (int(v), int(loc), int(t))
            level_on, level_bk = sums.get(key, (0, 0))
            sums[key] = (level_on + int(on), level_bk + int(bk))
            lot_sums[(*key, lot)] = int(on)
        s = stock_levels.c
        stored = {
            (int(v), int(loc), int(t)): (int(on), int(bk))
            for v, loc, t, on, bk in conn.execute(
                select(s.variant_id, s.location_id, s.inventory_type_id, s.on_hand, s.booked).where(s.merchant_id == m)
            ).all()
        }
        ll = lot_levels.c
        stored_lots = {
            (int(v), int(loc), int(t), lot): int(on)
            for v, loc, t, lot, on in conn.execute(
                select(ll.variant_id, ll.location_id, ll.inventory_type_id, ll.lot, ll.on_hand).where(
                    ll.merchant_id == m
                )
            ).all()
        }
        sku = dict(conn.execute(select(variants.c.id, variants.c.sku).where(variants.c.merchant_id == m)).all())
        loc_code = dict(
            conn.execute(select(locations.c.id, locations.c.code).where(locations.c.merchant_id == m)).all()
        )
        type_code = dict(
            conn.execute(
                select(inventory_types.c.id, inventory_types.c.code).where(inventory_types.c.merchant_id == m)
            ).all()
        )
        orphans = find_orphans(conn, m)
        drift = work_order_drift(conn, m)
        figures = available_drift(conn, m)
    # An orphan movement's ids have no names: show the id rather than fail (it is reported below).
    sku = _Names(sku, "variant")
    loc_code = _Names(loc_code, "location")
    type_code = _Names(type_code, "inventory type")
    diffs: list[Problem] = []
    for key in sorted(set(sums) | set(stored)):
        ledger_on, ledger_bk = sums.get(key, (0, 0))
        stored_on, stored_bk = stored.get(key, (0, 0))
        names = (sku[key[0]], loc_code[key[1]], type_code[key[2]])
        if ledger_on != stored_on:
            diffs.append(Difference(*names, None, "on_hand", ledger_on, stored_on))
        if ledger_bk != stored_bk:
            diffs.append(Difference(*names, None, "booked", ledger_bk, stored_bk))
    for lkey in sorted(set(lot_sums) | set(stored_lots)):
        if lot_sums.get(lkey, 0) != stored_lots.get(lkey, 0):
            diffs.append(
                Difference(
                    sku[lkey[0]],
                    loc_code[lkey[1]],
                    type_code[lkey[2]],
                    lkey[3] or "(none)",
                    "lot on_hand",
                    lot_sums.get(lkey, 0),
                    stored_lots.get(lkey, 0),
                )
            )
    return diffs + orphans + drift + figures


class _Names(dict[int, str]):
    """Names by id, and ``kind #id`` for an id with no name."""

    def __init__(self, names: dict[int, str], kind: str) -> None:
        super().__init__(names)
        self.kind = kind

    def __missing__(self, key: int) -> str:
        return f"{self.kind} #{key}"
