"""What the ledger says about tracked (variant, inventory type) pairs: stock that counts, sales, shipments.

- **Stock** is on hand (not available: booked units are still on the shelf) summed over every
  location, saleable or not, of the tracker's inventory type, split by lot expiry so each
  tracker can apply its own ``expiry_days``.
- **Units sold** in a window: units booked by order lines (``book`` movements, backordered
  units included) minus units released by cancellations (``release``) in the same window,
  never below 0. Shipping does not add a sale (it was counted when booked); returns do not
  subtract one.
- **Units shipped** in a window: the units of ``ship`` movements (their on-hand decrease).

A window of N days is the N × 24 hours up to the moment of evaluation (``at > now − N days``),
always its full length, even for an item first received yesterday.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, and_, bindparam, func, select

from truecount.adapters.db.tables.catalog import lots
from truecount.adapters.db.tables.ledger import lot_levels, movements
from truecount.domain.health import Figures, Mechanism, counted_stock
from truecount.domain.model import MovementKind

Pair = tuple[int, int]  # (variant_id, inventory_type_id)


@dataclass(frozen=True)
class Watched:
    """One tracker's needs: its pair, its mechanism and its parameters."""

    variant_id: int
    inventory_type_id: int
    mechanism: Mechanism
    params: dict[str, int]

    @property
    def pair(self) -> Pair:
        return (self.variant_id, self.inventory_type_id)


def figures_for(conn: Connection, merchant_id: int, watched: list[Watched], now: datetime) -> list[Figures]:
    """The figures of each tracker, in order. ``now`` is naive UTC."""
    if not watched:
        return []
    variant_ids = sorted({w.variant_id for w in watched})
    stock = _stock_by_expiry(conn, merchant_id, variant_ids)
    windows = sorted({w.params["lookback_days"] for w in watched if "lookback_days" in w.params})
    flows = {days: _flows(conn, merchant_id, variant_ids, now - timedelta(days=days)) for days in windows}
    today = now.date()
    out = []
    for w in watched:
        lots_of = stock.get(w.pair, [])
        sold, shipped = flows[w.params["lookback_days"]].get(w.pair, (0, 0)) if "lookback_days" in w.params else (0, 0)
        out.append(
            Figures(
                stock=counted_stock(lots_of, today, w.params.get("expiry_days")),
                stock_total=counted_stock(lots_of, today, None),
                sold=sold,
                shipped=shipped,
            )
        )
    return out


# Built once with bind parameters (compiled once, cached): the listener runs these in every
# movement's transaction that touches a tracked variant.
_KINDS = (MovementKind.BOOK.value, MovementKind.RELEASE.value, MovementKind.SHIP.value)
_ll = lot_levels.c
_STOCK = (
    select(_ll.variant_id, _ll.inventory_type_id, lots.c.expires_on, func.sum(_ll.on_hand))
    .select_from(
        lot_levels.outerjoin(
            lots,
            and_(lots.c.merchant_id == _ll.merchant_id, lots.c.variant_id == _ll.variant_id, lots.c.code == _ll.lot),
        )
    )
    .where(
        _ll.merchant_id == bindparam("m"),
        _ll.variant_id.in_(bindparam("variant_ids", expanding=True)),
        _ll.on_hand > 0,
    )
    # by location too: each sum stays within one level (at most 2^63 - 1), Python adds the levels up
    # (SQLite's sum() of levels at several locations could overflow where PostgreSQL's would not)
    .group_by(_ll.variant_id, _ll.inventory_type_id, _ll.location_id, lots.c.expires_on)
)
_mv = movements.c
_FLOWS = (
    select(_mv.variant_id, _mv.inventory_type_id, _mv.kind, func.sum(_mv.on_hand_delta), func.sum(_mv.booked_delta))
    .where(
        _mv.merchant_id == bindparam("m"),
        _mv.variant_id.in_(bindparam("variant_ids", expanding=True)),
        _mv.at > bindparam("since"),
        _mv.kind.in_(_KINDS),
    )
    .group_by(_mv.variant_id, _mv.inventory_type_id, _mv.kind)
)


def _stock_by_expiry(
    conn: Connection, merchant_id: int, variant_ids: list[int]
) -> dict[Pair, list[tuple[date | None, int]]]:
    rows = conn.execute(_STOCK, {"m": merchant_id, "variant_ids": variant_ids})
    found: dict[Pair, list[tuple[date | None, int]]] = {}
    for variant_id, type_id, expires_on, on_hand in rows:
        found.setdefault((int(variant_id), int(type_id)), []).append((expires_on, int(on_hand)))
    return found


def _flows(conn: Connection, merchant_id: int, variant_ids: list[int], since: datetime) -> dict[Pair, tuple[int, int]]:
    """(units sold, units shipped) per pair for movements after ``since``."""
    rows = conn.execute(_FLOWS, {"m": merchant_id, "variant_ids": variant_ids, "since": since})
    booked: dict[Pair, int] = {}
    shipped: dict[Pair, int] = {}
    for variant_id, type_id, kind, on_hand_delta, booked_delta in rows:
        pair = (int(variant_id), int(type_id))
        if kind == MovementKind.SHIP.value:
            shipped[pair] = shipped.get(pair, 0) - int(on_hand_delta)
        else:  # book adds booked units, release takes them back (its booked delta is negative)
            booked[pair] = booked.get(pair, 0) + int(booked_delta)
    return {pair: (max(0, booked.get(pair, 0)), shipped.get(pair, 0)) for pair in booked.keys() | shipped.keys()}
