"""Read the count: levels now or as of any past instant, and the movements behind them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, and_, case, func, select

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import inventory_types, locations, lots, products, variants
from truecount.adapters.db.tables.ledger import lot_levels, movements, stock_levels
from truecount.domain.errors import InvalidInput
from truecount.services.common.lookups import location_and_descendants, location_id, variant_id
from truecount.services.common.scope import Scope, as_utc, db_time

HISTORY_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class LotOnHand:
    """Units of one lot in a level; ``expires_on`` as ISO date text (None: no expiry)."""

    lot: str
    expires_on: str | None
    on_hand: int


@dataclass(frozen=True, slots=True)
class StockRow:
    """One level: a SKU at a location in an inventory type, with its lotted stock by lot."""

    sku: str
    location: str
    inventory_type: str
    on_hand: int
    booked: int
    available: int
    lots: list[LotOnHand]


@dataclass(frozen=True, slots=True)
class HistoryLine:
    """One movement behind a count (``location`` None: a backorder, owed at no location); ``at`` in ISO text."""

    id: int
    kind: str
    location: str | None
    inventory_type: str
    lot: str | None
    on_hand_delta: int
    booked_delta: int
    counted: int | None
    actor: str
    at: str
    reason: str | None
    reference: str | None


@dataclass(frozen=True, slots=True)
class VariantFound:
    """A variant a search found, with its product's name and barcodes; ``sellable_from`` ISO date text."""

    sku: str
    name: str
    options: dict[str, str]
    barcodes: list[str]
    tracked: bool
    discontinued: bool
    sellable_from: str | None
    bundle: bool
    for_sale: bool = True
    unit_cost: str | None = None  # what a unit costs the merchant; None: not set


def stock(
    db: Database, scope: Scope, sku: str | None = None, location: str | None = None, as_of: datetime | None = None
) -> list[StockRow]:
    """The levels, by SKU then location.

    ``location`` includes its bins. ``as_of`` sums the ledger up to that instant instead of
    reading the projection. Rows where everything is zero are left out.
    """
    m = scope.merchant_id
    with db.read() as conn:
        vid = variant_id(conn, m, sku) if sku else None
        loc_ids = location_and_descendants(conn, m, location_id(conn, m, location)) if location else None
        if as_of is None:
            levels = _current(conn, m, vid, loc_ids)
            lot_rows = _current_lots(conn, m, vid, loc_ids)
        else:
            levels, lot_rows = _as_of(conn, m, vid, loc_ids, db_time(as_of))
        names = _names(conn, m, vid)
    by_level: dict[tuple[int, int, int], list[LotOnHand]] = {}
    for v, loc, t, lot, on_hand, expires in lot_rows:
        if lot and on_hand:
            by_level.setdefault((v, loc, t), []).append(
                LotOnHand(lot, expires.isoformat() if expires else None, on_hand)
            )
    rows = []
    for (v, loc, t), (on_hand, booked) in sorted(
        levels.items(), key=lambda item: (names["sku"][item[0][0]], names["loc"][item[0][1]])
    ):
        if on_hand == 0 and booked == 0:
            continue
        rows.append(
            StockRow(
                sku=names["sku"][v],
                location=names["loc"][loc],
                inventory_type=names["type"][t],
                on_hand=on_hand,
                booked=booked,
                available=on_hand - booked,
                lots=sorted(by_level.get((v, loc, t), []), key=lambda lot: lot.lot),
            )
        )
    return rows


Key = tuple[int, int, int]


def _current(conn: Connection, m: int, vid: int | None, loc_ids: list[int] | None) -> dict[Key, tuple[int, int]]:
    c = stock_levels.c
    stmt = select(c.variant_id, c.location_id, c.inventory_type_id, c.on_hand, c.booked).where(c.merchant_id == m)
    if vid is not None:
        stmt = stmt.where(c.variant_id == vid)
    if loc_ids is not None:
        stmt = stmt.where(c.location_id.in_(loc_ids))
    return {(int(r[0]), int(r[1]), int(r[2])): (int(r[3]), int(r[4])) for r in conn.execute(stmt)}


def _current_lots(conn: Connection, m: int, vid: int | None, loc_ids: list[int] | None) -> list[tuple[Any, ...]]:
    c = lot_levels.c
    stmt = (
        select(c.variant_id, c.location_id, c.inventory_type_id, c.lot, c.on_hand, lots.c.expires_on)
        .select_from(
            lot_levels.outerjoin(
                lots, and_(lots.c.merchant_id == c.merchant_id, lots.c.variant_id == c.variant_id, lots.c.code == c.lot)
            )
        )
        .where(c.merchant_id == m, c.lot != "")
    )
    if vid is not None:
        stmt = stmt.where(c.variant_id == vid)
    if loc_ids is not None:
        stmt = stmt.where(c.location_id.in_(loc_ids))
    return [tuple(r) for r in conn.execute(stmt)]


def _as_of(
    conn: Connection, m: int, vid: int | None, loc_ids: list[int] | None, moment: datetime
) -> tuple[dict[Key, tuple[int, int]], list[tuple[Any, ...]]]:
    c = movements.c
    stmt = (
        select(
            c.variant_id,
            c.location_id,
            c.inventory_type_id,
            c.lot,
            func.sum(c.on_hand_delta),
            func.sum(c.booked_delta),
            lots.c.expires_on,
        )
        .select_from(
            movements.outerjoin(
                lots, and_(lots.c.merchant_id == c.merchant_id, lots.c.variant_id == c.variant_id, lots.c.code == c.lot)
            )
        )
        .where(c.merchant_id == m, c.at <= moment, c.location_id.is_not(None))
        .group_by(c.variant_id, c.location_id, c.inventory_type_id, c.lot, lots.c.expires_on)
    )
    if vid is not None:
        stmt = stmt.where(c.variant_id == vid)
    if loc_ids is not None:
        stmt = stmt.where(c.location_id.in_(loc_ids))
    levels: dict[Key, tuple[int, int]] = {}
    lot_rows = []
    for v, loc, t, lot, d_on, d_booked, expires in conn.execute(stmt):
        key = (int(v), int(loc), int(t))
        on_hand, booked = levels.get(key, (0, 0))
        levels[key] = (on_hand + int(d_on), booked + int(d_booked))
        lot_rows.append((int(v), int(loc), int(t), lot, int(d_on), expires))
    return levels, lot_rows


def _names(conn: Connection, m: int, vid: int | None) -> dict[str, dict[int, str]]:
    """The SKUs (only ``vid``'s when one variant is read: not the whole catalogue), location and type codes."""
    skus = select(variants.c.id, variants.c.sku).where(variants.c.merchant_id == m)
    return {
        "sku": {int(i): s for i, s in conn.execute(skus if vid is None else skus.where(variants.c.id == vid))},
        "loc": {
            int(i): s
            for i, s in conn.execute(select(locations.c.id, locations.c.code).where(locations.c.merchant_id == m))
        },
        "type": {
            int(i): s
            for i, s in conn.execute(
                select(inventory_types.c.id, inventory_types.c.code).where(inventory_types.c.merchant_id == m)
            )
        },
    }


def history(db: Database, scope: Scope, sku: str, limit: int = HISTORY_LIMIT) -> list[HistoryLine]:
    """The movements behind a SKU's count, newest first."""
    if not 1 <= limit <= 100_000:
        raise InvalidInput("must be from 1 to 100000", field="limit")
    m = scope.merchant_id
    c = movements.c
    with db.read() as conn:
        vid = variant_id(conn, m, sku)
        stmt = (
            select(
                c.id,
                c.kind,
                locations.c.code,
                inventory_types.c.code,
                c.lot,
                c.on_hand_delta,
                c.booked_delta,
                c.counted,
                c.actor,
                c.at,
                c.reason,
                c.reference,
            )
            .select_from(
                movements.outerjoin(locations, locations.c.id == c.location_id).join(
                    inventory_types, inventory_types.c.id == c.inventory_type_id
                )
            )
            .where(c.merchant_id == m, c.variant_id == vid)
            .order_by(c.at.desc(), c.id.desc())
            .limit(limit)
        )
        return [
            HistoryLine(
                id=int(r[0]),
                kind=r[1],
                location=r[2],
                inventory_type=r[3],
                lot=r[4] or None,
                on_hand_delta=int(r[5]),
                booked_delta=int(r[6]),
                counted=r[7],
                actor=r[8],
                at=as_utc(r[9]).isoformat(),
                reason=r[10],
                reference=r[11],
            )
            for r in conn.execute(stmt)
        ]


def search_variants(db: Database, scope: Scope, q: str = "", limit: int = 50, offset: int = 0) -> list[VariantFound]:
    """Variants whose SKU, product name or barcode contains ``q`` (case-insensitive), best match first:
    the SKU itself, SKUs starting with ``q``, SKUs with a word (after ``-``) starting with it, other
    SKUs containing it, then names and barcodes; by SKU within each."""
    from truecount.adapters.db.tables.catalog import barcodes
    from truecount.domain.suppliers import cost_text  # here: a read of the count has no use for it

    m = scope.merchant_id
    with db.read() as conn:
        stmt = (
            select(
                variants.c.id,
                variants.c.sku,
                products.c.name,
                variants.c.options,
                variants.c.tracked,
                variants.c.discontinued,
                variants.c.sellable_from,
                variants.c.is_bundle,
                variants.c.for_sale,
                variants.c.unit_cost,
            )
            .join(products, products.c.id == variants.c.product_id)
            .where(variants.c.merchant_id == m)
            .order_by(variants.c.sku)
            .limit(limit)
            .offset(offset)
        )
        if q:
            lowered = q.lower()
            pattern = f"%{lowered}%"
            by_barcode = select(barcodes.c.variant_id).where(barcodes.c.merchant_id == m, barcodes.c.code == q)
            sku = func.lower(variants.c.sku)
            stmt = (
                stmt.where(
                    sku.like(pattern) | func.lower(products.c.name).like(pattern) | variants.c.id.in_(by_barcode)
                )
                .order_by(None)
                .order_by(
                    case(  # best match first: the SKU itself, a SKU starting so, a word of the SKU, the rest
                        (sku == lowered, 0),
                        (sku.like(f"{lowered}%"), 1),
                        (sku.like(f"%-{lowered}%"), 2),
                        (sku.like(pattern), 3),
                        else_=4,
                    ),
                    variants.c.sku,
                )
            )
        rows = conn.execute(stmt).all()
        codes: dict[int, list[str]] = {}
        ids = [int(r[0]) for r in rows]
        if ids:
            for vid, code in conn.execute(
                select(barcodes.c.variant_id, barcodes.c.code).where(
                    barcodes.c.merchant_id == m, barcodes.c.variant_id.in_(ids)
                )
            ):
                codes.setdefault(int(vid), []).append(code)
    import json

    return [
        VariantFound(
            sku=r[1],
            name=r[2],
            options=json.loads(r[3]),
            barcodes=sorted(codes.get(int(r[0]), [])),
            tracked=bool(r[4]),
            discontinued=bool(r[5]),
            sellable_from=r[6].isoformat() if r[6] else None,
            bundle=bool(r[7]),
            for_sale=bool(r[8]),
            unit_cost=None if r[9] is None else cost_text(Decimal(r[9])),
        )
        for r in rows
    ]
