"""The stock screen's search and filters, judged by the same figures its rows show.

**low** and **out of stock** judge a variant's figure (:attr:`VariantRow.figure`): what is
available in saleable places and sellable types, expired lots left out as channels leave them
out, or — for a bundle made from its components — the most a channel is offered. Most variants
have no expired stock and are not such bundles: for them the figure is Σ (on hand − booked)
over saleable levels, which the database keeps per variant (``variant_available``, migration
0037). The few others (expired stock in a saleable place, or a bundle with no stock of its own)
are worked out as their rows are, and kept or left out by that. **expiring** lists the variants
with stock in lots expired or expiring
within :data:`dashboard.SOON_DAYS`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, exists, func, or_, select, true

from truecount.adapters.db.engine import Database
from truecount.adapters.db.search_index import product_name_search, variant_sku_search
from truecount.adapters.db.tables.catalog import barcodes, inventory_types, lots, products, variants
from truecount.adapters.db.tables.ledger import lot_levels, stock_levels, variant_available
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
    """Variants matching ``q`` (SKU or name contains it, or a whole barcode), filtered by ``show``.

    Each filter first looks up the variants it can pass from an index (see :func:`_few`); the page is
    those that also match, sorted. Only when a filter can pass many does the query walk the
    variants in SKU order testing each (the page then fills quickly)."""
    if show not in FILTERS:
        raise InvalidInput(f"must be one of {', '.join(FILTERS)}", field="show")
    m = scope.merchant_id
    v = variants.c
    if show in ("low", "out"):
        with db.read(planned_for_values=True) as conn:
            match = _matching(conn, m, q)
        match = _by_figure(db, scope, match, q, show, low_below)
    with db.read(planned_for_values=True) as conn:  # one transaction: each costs round trips on PostgreSQL
        if show not in ("low", "out"):
            match = _matching(conn, m, q)
        if show == "oversold":
            match = _among(conn, match, q, _short(m), _owed(m))
        elif show == "expiring":
            match = _among(conn, match, q, _in_lots_before(m, offer_day() + timedelta(days=SOON_DAYS)))
        page = select(v.id).where(match).order_by(v.sku).limit(limit).offset(offset)
        return rows_for(conn, m, [int(r[0]) for r in conn.execute(page)])


FEW = 1000  # the candidates of a match or a filter up to which a search sorts them instead of walking every SKU


def _few(conn: Connection, *queries: Select[Any]) -> list[int] | None:
    """The ids the queries (each of one id column) find, or None when one finds more than FEW."""
    found: set[int] = set()
    for query in queries:
        ids = [int(r[0]) for r in conn.execute(query.limit(FEW + 1))]
        if len(ids) > FEW:
            return None
        found.update(ids)
    return sorted(found)


def _among(conn: Connection, match: ColumnElement[bool], q: str, *queries: Select[Any]) -> ColumnElement[bool]:
    """``match`` and the variant is one the queries find (the merchant's variants, by index): their
    ids when few (:func:`_within`), else the queries themselves."""
    ids = _few(conn, *queries)
    if ids is None:
        return and_(match, or_(*(_has(query) for query in queries)))
    return _within(match, q, ids)


def _has(query: Select[Any]) -> ColumnElement[bool]:
    """The variant is one ``query`` (of one variant-id column, not from ``variants`` itself) finds:
    a correlated ``EXISTS``, one index probe per variant walked (a walk in SKU order meets a match
    soon when there are many). ``OFFSET 0`` keeps PostgreSQL from turning it into a hashed subplan,
    which reads every match first (50 ms for 12,500 oversold levels)."""
    return query.where(query.selected_columns[0] == variants.c.id).offset(0).exists()


def _matching(conn: Connection, m: int, q: str) -> ColumnElement[bool]:
    """The merchant's variants whose SKU or product name contains ``q`` (any case), or with ``q`` as a
    barcode. Each kind of match is looked up first from its index (:func:`_contains`); when each
    finds at most :data:`FEW` variants the search sorts their union, else it walks the variants in
    SKU order testing the three (many matches: the page fills quickly)."""
    v, p, b = variants.c, products.c, barcodes.c
    if not q:
        return v.merchant_id == m
    pattern = f"%{q.lower()}%"
    sku_search, name_search = variant_sku_search.c, product_name_search.c
    by_name = select(p.id).where(p.merchant_id == m, _contains(conn, p.id, p.name, name_search, pattern))
    coded = select(b.variant_id).where(b.merchant_id == m, b.code == q)
    by_sku = _found(conn, m, v.id, v.sku, sku_search, pattern, v.merchant_id)
    of_named = _few(conn, select(v.id).where(v.merchant_id == m, v.product_id.in_(by_name)))
    if by_sku is not None and of_named is not None:
        ids = set(by_sku) | set(of_named) | {int(r[0]) for r in conn.execute(coded)}
        return v.id.in_(sorted(ids))  # every id is the merchant's
    like = func.lower(v.sku).like(pattern)
    return and_(v.merchant_id == m, or_(like, v.product_id.in_(by_name), v.id.in_(coded)))


def _contains(conn: Connection, key: Any, text: Any, fts: Any, pattern: str) -> ColumnElement[bool]:
    """``lower(text) LIKE pattern``. On PostgreSQL a trigram index serves it as it stands; on SQLite
    the FTS5 trigram table ``fts`` (:mod:`truecount.adapters.db.search_index`; it needs three
    characters in a row) gives the candidates and each is checked by the same ``LIKE``."""
    like = func.lower(text).like(pattern)
    if conn.dialect.name != "sqlite" or len(pattern) < 5:
        return like
    return and_(key.in_(select(fts.rowid).where(getattr(fts, text.name).like(pattern))), like)


def _found(conn: Connection, m: int, key: Any, text: Any, fts: Any, pattern: str, merchant: Any) -> list[int] | None:
    """The merchant's rows whose ``text`` contains the pattern, or None when more than FEW rows (of
    any merchant) do."""
    if conn.dialect.name == "sqlite" and len(pattern) >= 5:  # from the FTS5 table, then the row by id
        query = (
            select(key, merchant)
            .select_from(fts.rowid.table.join(text.table, key == fts.rowid))
            .where(getattr(fts, text.name).like(pattern), func.lower(text).like(pattern))
        )
    else:
        query = select(key, merchant).where(merchant == m, func.lower(text).like(pattern))
    rows = conn.execute(query.limit(FEW + 1)).all()
    return None if len(rows) > FEW else [int(r[0]) for r in rows if int(r[1]) == m]


def _short(m: int) -> Select[Any]:
    """Variants with a level booked beyond what is on hand (a partial index holds just those)."""
    sl = stock_levels.c
    return select(sl.variant_id).where(sl.merchant_id == m, sl.booked > sl.on_hand)


def _owed(m: int) -> Select[Any]:
    """Variants with an oversell still owed (pre-orders aside)."""
    bo = backorders.c
    return select(bo.variant_id).where(
        bo.merchant_id == m, bo.preorder.is_(False), bo.quantity - bo.allocated - bo.cancelled > 0
    )


def _in_lots_before(
    m: int, day: Any, locations: list[int] | None = None, types: list[int] | None = None
) -> Select[Any]:
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


def _by_figure(
    db: Database, scope: Scope, match: ColumnElement[bool], q: str, show: str, low_below: int
) -> ColumnElement[bool]:
    """``match``, tracked, and the low / out-of-stock condition on the variant's figure (see the
    module): the special variants (expired stock where it would feed, a bundle with no stock of its
    own, a figure SQLite could not keep) judged by their rows; the others by their kept figure
    (``variant_available``)."""
    m = scope.merchant_id
    v, a = variants.c, variant_available.c
    with db.read(planned_for_values=True) as conn:
        saleable, sellable = _feeding(conn, m)
        b = variants.alias("bundle").c
        bundles = select(b.id).where(b.merchant_id == m, b.is_bundle == true(), ~_has_stock(m, b.id))  # `=`: indexed
        expired = _in_lots_before(m, offer_day(), saleable, sellable)
        unkept = select(a.variant_id).where(a.merchant_id == m, a.available.is_(None))  # SQLite, past 64 bits
        special = _few(conn, expired, bundles, unkept)
        if special is None:
            special_match = _among(conn, match, q, expired, bundles, unkept)
        else:
            special_match = _within(match, q, special)
        found = conn.execute(select(v.id, v.sku).where(special_match)).all()
        rows = rows_for(conn, m, [int(r[0]) for r in found])
        figure = a.available <= 0 if show == "out" else and_(a.available > 0, a.available <= low_below)
        by_figure = select(a.variant_id).where(a.merchant_id == m, figure)
        simple = _few(conn, by_figure)
    bundled = [row.sku for row in rows if row.made_to_order]
    offers = offers_for_skus(db, scope, bundled) if bundled else {}
    for row in rows:
        row.offers = offers.get(row.sku, [])
    passing = {row.sku for row in rows if _passes(row.figure, show, low_below)}
    kept = {int(vid) for vid, sku in found if sku in passing}
    tracked = v.tracked.is_(True)
    if special is not None and simple is not None:  # lists: by the primary key
        return and_(_within(match, q, sorted((set(simple) - set(special)) | kept)), tracked)
    others = v.id.not_in(special) if special is not None else ~or_(_has(expired), _has(bundles), _has(unkept))
    plain = v.id.in_(simple) if simple is not None else _has(by_figure)
    return and_(match, tracked, or_(and_(others, plain), v.id.in_(sorted(kept))))


def _within(match: ColumnElement[bool], q: str, ids: list[int]) -> ColumnElement[bool]:
    """``match`` among these ids of the merchant's variants: without a search text the ids alone
    (tested by the primary key; the merchant's index would walk every variant)."""
    return and_(match, variants.c.id.in_(ids)) if q else variants.c.id.in_(ids)


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
