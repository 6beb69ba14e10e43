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
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Connection,
    Select,
    and_,
    bindparam,
    exists,
    func,
    or_,
    select,
    true,
)

from truecount.adapters.db.any_of import any_of
from truecount.adapters.db.engine import Database
from truecount.adapters.db.search_index import product_name_search, variant_sku_search
from truecount.adapters.db.tables.catalog import barcodes, lots, products, variants
from truecount.adapters.db.tables.ledger import lot_levels, stock_levels, variant_available
from truecount.adapters.db.tables.orders import backorders
from truecount.adapters.db.together import fetch_together
from truecount.domain.errors import InvalidInput
from truecount.services.common.scope import Scope
from truecount.services.offers.recompute import offers_for_skus
from truecount.services.offers.recompute import today as offer_day

from .dashboard import SOON_DAYS, VariantRow, feeding_of, rows_for

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
    """Variants matching ``q`` (SKU or name contains it, or a whole barcode), filtered by ``show``
    (:func:`page_ids`), as rows. One transaction, planned for its values (a pattern over a trigram
    index)."""
    with db.read(planned_for_values=True) as conn:
        return rows_for(conn, scope.merchant_id, page_ids(db, conn, scope, q, show, low_below, limit, offset))


def page_ids(
    db: Database, conn: Connection, scope: Scope, q: str, show: str, low_below: int, limit: int, offset: int
) -> list[int]:
    """The ids of a page of the variants matching ``q`` (SKU or name contains it, or a whole barcode),
    filtered by ``show``, in SKU order, read in ``conn``'s transaction (run it with its statements
    planned for their values: :func:`truecount.adapters.db.engine.unprepared`).

    Each filter first looks up the variants it can pass from an index (see :func:`_few`); the page is
    those that also match, sorted. Only when a filter can pass many does the query walk the
    variants in SKU order testing each (the page then fills quickly). Independent lookups are sent
    together."""
    if show not in FILTERS:
        raise InvalidInput(f"must be one of {', '.join(FILTERS)}", field="show")
    m = scope.merchant_id
    v = variants.c
    params: dict[str, Any] = {"m": m}
    match = _matching(conn, m, q)
    if show in ("low", "out"):
        match = _by_figure(db, conn, scope, match, q, show, low_below, params)
    elif show == "oversold":
        match = _among(conn, match, q, params, _SHORT, _OWED)
    elif show == "expiring":
        params["soon"] = offer_day() + timedelta(days=SOON_DAYS)
        match = _among(conn, match, q, params, _EXPIRING)
    page = select(v.id).where(match).order_by(v.sku).limit(limit).offset(offset)
    return [int(r[0]) for r in conn.execute(page, params)]


FEW = 1000  # the candidates of a match or a filter up to which a search sorts them instead of walking every SKU


@lru_cache(maxsize=32)
def _first(query: Select[Any]) -> Select[Any]:
    """A lookup's first ``first`` rows, FEW + 1 (built once per module statement: :func:`fetch_together`
    compiles it once)."""
    return query.limit(_FIRST)


def _few(conn: Connection, params: dict[str, Any], *queries: Select[Any]) -> list[int] | None:
    """The ids the queries (module statements of one id column) find, sent together, or None when
    one finds more than FEW."""
    found: set[int] = set()
    for rows in fetch_together(conn, [(_first(query), {**params, "first": FEW + 1}) for query in queries]):
        if len(rows) > FEW:
            return None
        found.update(int(r[0]) for r in rows)
    return sorted(found)


def _among(
    conn: Connection, match: ColumnElement[bool], q: str, params: dict[str, Any], *queries: Select[Any]
) -> ColumnElement[bool]:
    """``match`` and the variant is one the queries find (the merchant's variants, by index): their
    ids when few (:func:`_within`), else the queries themselves (run with ``params``)."""
    ids = _few(conn, params, *queries)
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
    barcode. The three kinds of match are looked up first from their indexes, together; when each
    finds at most :data:`FEW` variants the search sorts their union, else it walks the variants in
    SKU order testing the three (many matches: the page fills quickly)."""
    v, p, b = variants.c, products.c, barcodes.c
    if not q:
        return v.merchant_id == m
    pattern = f"%{q.lower()}%"
    fts = conn.dialect.name == "sqlite" and len(pattern) >= 5  # the FTS5 trigram tables need three characters
    params = {"m": m, "pattern": pattern, "code": q, "first": FEW + 1}
    skus, named, coded = fetch_together(
        conn, [(_SKUS_FTS if fts else _SKUS, params), (_NAMED_FTS if fts else _NAMED, params), (_CODED, params)]
    )
    if len(skus) <= FEW and len(named) <= FEW:  # SKUs of any merchant from the FTS table: the merchant's kept
        ids = {int(r[0]) for r in skus if int(r[1]) == m} | {int(r[0]) for r in named} | {int(r[0]) for r in coded}
        return v.id.in_(sorted(ids))  # every id is the merchant's
    by_name = select(p.id).where(p.merchant_id == m, _contains(fts, p.id, p.name, product_name_search.c, pattern))
    like = func.lower(v.sku).like(pattern)
    coded_ids = select(b.variant_id).where(b.merchant_id == m, b.code == q)
    return and_(v.merchant_id == m, or_(like, v.product_id.in_(by_name), v.id.in_(coded_ids)))


def _contains(fts: bool, key: Any, text: Any, table: Any, pattern: str) -> ColumnElement[bool]:
    """``lower(text) LIKE pattern``. On PostgreSQL a trigram index serves it as it stands; on SQLite
    the FTS5 trigram table (:mod:`truecount.adapters.db.search_index`; it needs three characters in
    a row) gives the candidates and each is checked by the same ``LIKE``."""
    like = func.lower(text).like(pattern)
    if not fts:
        return like
    return and_(key.in_(select(table.rowid).where(getattr(table, text.name).like(pattern))), like)


def _by_figure(
    db: Database,
    conn: Connection,
    scope: Scope,
    match: ColumnElement[bool],
    q: str,
    show: str,
    low_below: int,
    params: dict[str, Any],
) -> ColumnElement[bool]:
    """``match``, tracked, and the low / out-of-stock condition on the variant's figure (see the
    module): the special variants (expired stock where it would feed, a bundle with no stock of its
    own, a figure SQLite could not keep) judged by their rows; the others by their kept figure
    (``variant_available``). Adds what its statements need to ``params``."""
    m = scope.merchant_id
    v = variants.c
    saleable, sellable = feeding_of(conn, m)
    params.update(saleable=saleable, sellable=sellable, today=offer_day(), low_below=low_below)
    by_figure = _OUT if show == "out" else _LOW
    first = {**params, "first": FEW + 1}
    lookups = fetch_together(conn, [(_first(query), first) for query in (*_SPECIAL, by_figure)])
    special = (
        None
        if any(len(rows) > FEW for rows in lookups[:-1])
        else sorted({int(r[0]) for rows in lookups[:-1] for r in rows})
    )
    simple = None if len(lookups[-1]) > FEW else [int(r[0]) for r in lookups[-1]]
    kept: set[int] = set()
    if special != []:
        special_match = _within(match, q, special) if special is not None else and_(match, or_(*map(_has, _SPECIAL)))
        found = conn.execute(select(v.id, v.sku).where(special_match), params).all()
        rows = rows_for(conn, m, [int(r[0]) for r in found])
        bundled = [row.sku for row in rows if row.made_to_order]
        offers = offers_for_skus(db, scope, bundled) if bundled else {}
        for row in rows:
            row.offers = offers.get(row.sku, [])
        passing = {row.sku for row in rows if _passes(row.figure, show, low_below)}
        kept = {int(vid) for vid, sku in found if sku in passing}
    tracked = v.tracked.is_(True)
    if special is not None and simple is not None:  # lists: by the primary key
        return and_(_within(match, q, sorted((set(simple) - set(special)) | kept)), tracked)
    if special is None:
        others: ColumnElement[bool] = ~or_(*map(_has, _SPECIAL))
    else:
        others = v.id.not_in(special) if special else true()
    plain = v.id.in_(simple) if simple is not None else _has(by_figure)
    return and_(match, tracked, or_(and_(others, plain), v.id.in_(sorted(kept))))


def _within(match: ColumnElement[bool], q: str, ids: list[int]) -> ColumnElement[bool]:
    """``match`` among these ids of the merchant's variants: without a search text the ids alone
    (tested by the primary key; the merchant's index would walk every variant)."""
    return and_(match, variants.c.id.in_(ids)) if q else variants.c.id.in_(ids)


def _passes(figure: int, show: str, low_below: int) -> bool:
    return figure <= 0 if show == "out" else 0 < figure <= low_below


# The lookups, as module statements (:func:`fetch_together` compiles each once) of the search's
# parameters: ``m`` the merchant, ``pattern`` / ``code`` the search text, ``today`` / ``soon`` days,
# ``saleable`` / ``sellable`` the places and types that feed channels, ``low_below``.
_v, _p, _b, _sl, _ll, _a, _bo = (
    variants.c, products.c, barcodes.c, stock_levels.c, lot_levels.c, variant_available.c, backorders.c
)  # fmt: skip
_sku_fts, _name_fts = variant_sku_search.c, product_name_search.c
_m: BindParameter[Any] = bindparam("m")
_FIRST: BindParameter[Any] = bindparam("first")
_pattern: BindParameter[Any] = bindparam("pattern")
_SKUS = select(_v.id, _v.merchant_id).where(_v.merchant_id == _m, func.lower(_v.sku).like(_pattern)).limit(_FIRST)
_SKUS_FTS = (  # of any merchant: the FTS table has no merchant
    select(_v.id, _v.merchant_id)
    .select_from(variant_sku_search.join(variants, _v.id == _sku_fts.rowid))
    .where(_sku_fts.sku.like(_pattern), func.lower(_v.sku).like(_pattern))
    .limit(_FIRST)
)
_names = select(_p.id).where(_p.merchant_id == _m, func.lower(_p.name).like(_pattern))
_NAMED = select(_v.id).where(_v.merchant_id == _m, _v.product_id.in_(_names)).limit(_FIRST)
_NAMED_FTS = (
    select(_v.id)
    .where(
        _v.merchant_id == _m,
        _v.product_id.in_(_names.where(_p.id.in_(select(_name_fts.rowid).where(_name_fts.name.like(_pattern))))),
    )
    .limit(_FIRST)
)
_CODED = select(_b.variant_id).where(_b.merchant_id == _m, _b.code == bindparam("code"))
#: Variants with a level booked beyond what is on hand (a partial index holds just those).
_SHORT = select(_sl.variant_id).where(_sl.merchant_id == _m, _sl.booked > _sl.on_hand)
#: Variants with an oversell still owed (pre-orders aside).
_OWED = select(_bo.variant_id).where(
    _bo.merchant_id == _m, _bo.preorder.is_(False), _bo.quantity - _bo.allocated - _bo.cancelled > 0
)
_lots_on_hand = (
    select(_ll.variant_id)
    .join(
        lots, (lots.c.merchant_id == _ll.merchant_id) & (lots.c.variant_id == _ll.variant_id) & (lots.c.code == _ll.lot)
    )
    .where(_ll.merchant_id == _m, _ll.on_hand > 0, lots.c.expires_on.is_not(None))
)
#: Variants with stock on hand in lots expiring before ``soon``.
_EXPIRING = _lots_on_hand.where(lots.c.expires_on < bindparam("soon"))
#: The special variants of the low and out-of-stock filters (see the module): expired stock where
#: it would feed a channel, a bundle with no stock of its own, a figure SQLite could not keep.
_SPECIAL = (
    _lots_on_hand.where(
        lots.c.expires_on < bindparam("today"),
        any_of(_ll.location_id, "saleable"),
        any_of(_ll.inventory_type_id, "sellable"),
    ),
    select(_v.id).where(
        _v.merchant_id == _m,
        _v.is_bundle == true(),  # `=`: indexed
        ~exists().where(_sl.merchant_id == _m, _sl.variant_id == _v.id, _sl.on_hand > 0),
    ),
    select(_a.variant_id).where(_a.merchant_id == _m, _a.available.is_(None)),  # SQLite, past 64 bits
)
_LOW = select(_a.variant_id).where(_a.merchant_id == _m, _a.available > 0, _a.available <= bindparam("low_below"))
_OUT = select(_a.variant_id).where(_a.merchant_id == _m, _a.available <= 0)
