"""The stock screen's search and filters, judged by the same figures its rows show.

**low** and **out of stock** judge a variant's figure (:attr:`VariantRow.figure`): what is
available in saleable places and sellable types, expired lots left out as channels leave them
out, or — for a bundle made from its components — the most a channel is offered. Most variants
have no expired stock and are not such bundles: for them the figure is Σ (on hand − booked)
over saleable levels, one correlated subquery. The few others (expired stock in a saleable
place, or a bundle with no stock of its own) are worked out as their rows are, and kept or
left out by that. **expiring** lists the variants with stock in lots expired or expiring
within :data:`dashboard.SOON_DAYS`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, exists, false, func, or_, select

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import barcodes, inventory_types, lots, products, variants
from truecount.adapters.db.tables.ledger import lot_levels, stock_levels
from truecount.adapters.db.tables.orders import backorders
from truecount.domain.errors import InvalidInput
from truecount.services.common.scope import Scope
from truecount.services.offers.recompute import offers_for_skus
from truecount.services.offers.recompute import today as offer_day

from .dashboard import SOON_DAYS, VariantRow, places_of, rows_for

FILTERS = ("all", "low", "out", "oversold", "expiring")


def search(
    db: Database,
    scope: Scope,
    q: str = "",
    show: str = "all",
    low_below: int = 5,
    limit: int = 50,
    offset: int = 0,
) -> list[VariantRow]:
    """Variants matching ``q`` (SKU or name contains it, or a whole barcode), filtered by ``show``."""
    if show not in FILTERS:
        raise InvalidInput(f"must be one of {', '.join(FILTERS)}", field="show")
    m = scope.merchant_id
    stmt = _matching(m, q)
    if show in ("low", "out"):
        stmt = stmt.where(variants.c.tracked.is_(True), _by_figure(db, scope, stmt, show, low_below))
    elif show == "oversold":
        stmt = stmt.where(_oversold(m))
    elif show == "expiring":
        stmt = stmt.where(variants.c.id.in_(_in_lots_before(m, offer_day() + timedelta(days=SOON_DAYS))))
    with db.read() as conn:
        ids = [int(r[0]) for r in conn.execute(stmt.order_by(variants.c.sku).limit(limit).offset(offset))]
        return rows_for(conn, m, ids)


def _matching(m: int, q: str) -> Select[Any]:
    v = variants.c
    if not q:  # no name to match: no join to products (the planner walks the (merchant, sku) index)
        return select(v.id).where(v.merchant_id == m)
    stmt = select(v.id).join(products, products.c.id == v.product_id).where(v.merchant_id == m)
    pattern = f"%{q.lower()}%"
    by_barcode = select(barcodes.c.variant_id).where(barcodes.c.merchant_id == m, barcodes.c.code == q)
    return stmt.where(
        or_(func.lower(v.sku).like(pattern), func.lower(products.c.name).like(pattern), v.id.in_(by_barcode))
    )


def _oversold(m: int) -> ColumnElement[bool]:
    sl, bo = stock_levels.c, backorders.c
    short = select(sl.variant_id).where(sl.merchant_id == m, sl.booked > sl.on_hand)
    owed = select(bo.variant_id).where(
        bo.merchant_id == m, bo.preorder.is_(False), bo.quantity - bo.allocated - bo.cancelled > 0
    )
    v = variants.c
    return or_(v.id.in_(short), v.id.in_(owed))


def _in_lots_before(m: int, day: Any, locations: list[int] | None = None, types: list[int] | None = None) -> Any:
    """Variants with stock on hand in lots expiring before ``day`` (at these places and types)."""
    ll = lot_levels.c
    query = (
        select(ll.variant_id)
        .join(
            lots,
            (lots.c.merchant_id == ll.merchant_id) & (lots.c.variant_id == ll.variant_id) & (lots.c.code == ll.lot),
        )
        .where(ll.merchant_id == m, ll.on_hand > 0, lots.c.expires_on.is_not(None), lots.c.expires_on < day)
    )
    if locations is not None:
        query = query.where(ll.location_id.in_(locations))
    if types is not None:
        query = query.where(ll.inventory_type_id.in_(types))
    return query


def _by_figure(db: Database, scope: Scope, matching: Select[Any], show: str, low_below: int) -> ColumnElement[bool]:
    """The low / out-of-stock condition on a variant's figure (see the module)."""
    m = scope.merchant_id
    v = variants.c
    with db.read() as conn:
        saleable, sellable = _feeding(conn, m)
        va = variants.alias("special")  # not the outer query's variants: nothing to correlate
        special = select(va.c.id).where(
            va.c.merchant_id == m,
            or_(
                va.c.id.in_(_in_lots_before(m, offer_day(), saleable, sellable)),
                and_(va.c.is_bundle.is_(True), ~_has_stock(m, va.c.id)),
            ),
        )
        rows = rows_for(conn, m, [int(r[0]) for r in conn.execute(matching.where(v.id.in_(special)))])
    bundles = [row.sku for row in rows if row.made_to_order]
    offers = offers_for_skus(db, scope, bundles) if bundles else {}
    for row in rows:
        row.offers = offers.get(row.sku, [])
    kept = [row.sku for row in rows if _passes(row.figure, show, low_below)]
    sl = stock_levels.c
    simple = (
        select(func.coalesce(func.sum(sl.on_hand - sl.booked), 0))
        .where(
            sl.merchant_id == m,
            sl.variant_id == v.id,
            sl.location_id.in_(saleable),
            sl.inventory_type_id.in_(sellable),
        )
        .scalar_subquery()
    )
    cond = simple <= 0 if show == "out" else and_(simple > 0, simple <= low_below)
    return or_(and_(v.id.not_in(special), cond), v.sku.in_(kept) if kept else false())


def _passes(figure: int, show: str, low_below: int) -> bool:
    return figure <= 0 if show == "out" else 0 < figure <= low_below


def _has_stock(m: int, variant_id: ColumnElement[int]) -> Any:
    sl = stock_levels.c
    return exists().where(sl.merchant_id == m, sl.variant_id == variant_id, sl.on_hand > 0)


def _feeding(conn: Connection, m: int) -> tuple[list[int], list[int]]:
    """The saleable places (a bin of a place not for sale is not for sale) and the sellable types."""
    saleable = [loc for loc, (_code, _name, is_saleable) in places_of(conn, m).items() if is_saleable]
    sellable = [
        int(r[0])
        for r in conn.execute(
            select(inventory_types.c.id).where(inventory_types.c.merchant_id == m, inventory_types.c.sellable.is_(True))
        )
    ]
    return saleable, sellable
