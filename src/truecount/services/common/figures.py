"""The figures kept per variant (table ``variant_figures``), so the stock screen's filters read one
indexed row per variant instead of summing every variant's levels.

- ``available``: Σ (on hand − booked) over the variant's levels in saleable places (the place
  saleable and its top-level location saleable, as the stock screen rolls bins up) and sellable
  inventory types: the figure of the screen's "low" and "out of stock" filters;
- ``short_levels``: how many of its levels have more booked than on hand (oversold at a place).

They are recomputed from the levels, set-based (one statement for all the variants of a change),
exact, in the transaction that moved the levels: :data:`LISTENER` runs last on the availability
seam, which every path that changes levels announces on (movements, bookings one by one or in
batches, imports, work orders, waiting backorders served) and so does a change of a location's
saleability or parent. A variant gets its row when it is created. ``verify`` compares every row
with the levels (:func:`drift`); :func:`rebuild` recomputes them all.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from sqlalchemy import BigInteger, Connection, Insert, Select, and_, any_, bindparam, case, func, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from truecount.adapters.db.tables.catalog import inventory_types, locations, variants
from truecount.adapters.db.tables.ledger import stock_levels, variant_figures

from . import availability

CHUNK = 5_000  # variants recomputed by one statement (bound parameters stay well under SQLite's limit)


@dataclass(frozen=True)
class FigureDrift:
    """A variant's kept figure ``field`` is ``stored`` where its levels give ``levels``."""

    sku: str
    field: str
    levels: int
    stored: int | None  # None: the variant has no row

    def __str__(self) -> str:
        stored = "missing" if self.stored is None else f"stored {self.stored}"
        return f"{self.sku}: kept figure {self.field} {stored}, its levels give {self.levels}"


M = bindparam("m", type_=BigInteger)  # the merchant, a parameter: each statement is built once


def saleable_places() -> Select[tuple[int]]:
    """The ids of merchant ``:m``'s saleable places: the location and its top-level location saleable."""
    loc = locations.c
    top = select(loc.id, loc.id.label("root")).where(loc.merchant_id == M, loc.parent_id.is_(None))
    up = top.cte("up", recursive=True)
    child = locations.alias("child")
    up = up.union_all(select(child.c.id, up.c.root).where(child.c.parent_id == up.c.id))
    own, root = locations.alias("own"), locations.alias("root_place")
    return (
        select(up.c.id)
        .join(own, own.c.id == up.c.id)
        .join(root, root.c.id == up.c.root)
        .where(own.c.saleable.is_(True), root.c.saleable.is_(True))
    )


def computed(of: str = "all") -> Select[tuple[int, int, int, int]]:
    """(merchant, variant, available, short_levels) from the levels, per variant of merchant ``:m``: every
    one (``all``), or those in ``:variant_ids`` (``array``: one PostgreSQL array parameter, the same
    statement text for any number of variants; ``list``: an expanding ``IN``)."""
    s, v = stock_levels.c, variants.c
    sellable = select(inventory_types.c.id).where(
        inventory_types.c.merchant_id == M, inventory_types.c.sellable.is_(True)
    )
    feeds = and_(s.location_id.in_(saleable_places()), s.inventory_type_id.in_(sellable))
    query = (
        select(
            M.label("merchant_id"),
            v.id.label("variant_id"),
            func.coalesce(func.sum(case((feeds, s.on_hand - s.booked), else_=0)), 0).label("available"),
            func.coalesce(func.sum(case((s.booked > s.on_hand, 1), else_=0)), 0).label("short_levels"),
        )
        .select_from(variants.outerjoin(stock_levels, and_(s.merchant_id == M, s.variant_id == v.id)))
        .where(v.merchant_id == M)
        .group_by(v.id)
    )
    if of == "array":
        return query.where(v.id == any_(bindparam("variant_ids", type_=ARRAY(BigInteger))))
    if of == "list":
        return query.where(v.id.in_(bindparam("variant_ids", expanding=True)))
    return query


@functools.cache
def _upsert(dialect: str, of: str) -> Insert:
    """The upsert of :func:`computed` ``of`` for ``dialect``, built once."""
    f = variant_figures.c
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(variant_figures).from_select(["merchant_id", "variant_id", "available", "short_levels"], computed(of))
    new = stmt.excluded
    return stmt.on_conflict_do_update(
        index_elements=[f.merchant_id, f.variant_id],
        set_={"available": new.available, "short_levels": new.short_levels},
        where=or_(f.available != new.available, f.short_levels != new.short_levels),
    )


def refresh(conn: Connection, m: int, variant_ids: set[int]) -> None:
    """Recompute the figures of ``variant_ids`` from their levels (inside the mover's transaction)."""
    dialect = conn.dialect.name
    stmt = _upsert(dialect, "array" if dialect == "postgresql" else "list")
    ordered = sorted(variant_ids)
    for start in range(0, len(ordered), CHUNK):
        conn.execute(stmt, {"m": m, "variant_ids": ordered[start : start + CHUNK]})


def rebuild(conn: Connection, m: int) -> None:
    """Recompute every variant's figures of merchant ``m`` (set-up, bulk loads, after a repair)."""
    conn.execute(_upsert(conn.dialect.name, "all"), {"m": m})


def drift(conn: Connection, m: int) -> list[FigureDrift]:
    """Every kept figure that differs from what the levels give (empty: all is well)."""
    f, v = variant_figures.c, variants.c
    stored = {
        int(r[0]): (int(r[1]), int(r[2]))
        for r in conn.execute(select(f.variant_id, f.available, f.short_levels).where(f.merchant_id == m))
    }
    sku = dict(conn.execute(select(v.id, v.sku).where(v.merchant_id == m)).all())
    found: list[FigureDrift] = []
    for row in conn.execute(computed().order_by(v.sku), {"m": m}):
        vid = int(row.variant_id)
        kept = stored.get(vid)
        for index, (name, levels) in enumerate(
            (("available", int(row.available)), ("short_levels", int(row.short_levels)))
        ):
            if kept is None or kept[index] != levels:
                found.append(FigureDrift(sku[vid], name, levels, None if kept is None else kept[index]))
    return found


def on_availability_changed(conn: Connection, m: int, variant_ids: set[int]) -> None:
    refresh(conn, m, variant_ids)


#: Wired last on the availability seam: the figures see the levels every listener before it left.
LISTENER: availability.Listener = on_availability_changed
