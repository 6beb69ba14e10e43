"""Keeping ``locations.feeds`` and ``variant_available`` exact when what feeds the channels changes.

The triggers of migrations 0037 and 0039 keep each variant's available figure (Σ on_hand − booked over the
levels at feeding places in sellable types) in the statement that writes its levels. What they
cannot see is a place starting or stopping to feed (its ``saleable`` or its parent edited):
:func:`refresh_feeding` stores the rule (:func:`truecount.domain.places.feeding`) per place and
recomputes the figures of the variants stocked where it changed. :func:`available_drift` is
verify's audit of both.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select, update

from truecount.adapters.db.tables.catalog import inventory_types, locations, variants
from truecount.adapters.db.tables.ledger import stock_levels, variant_available
from truecount.domain.places import feeding


def _feeding_now(conn: Connection, m: int) -> tuple[set[int], set[int]]:
    """(the places that feed by the rule, those whose stored flag says so)."""
    rows = conn.execute(
        select(locations.c.id, locations.c.parent_id, locations.c.saleable, locations.c.feeds).where(
            locations.c.merchant_id == m
        )
    ).all()
    by_rule = feeding({int(r[0]): (None if r[1] is None else int(r[1]), bool(r[2])) for r in rows})
    return by_rule, {int(r[0]) for r in rows if r[3]}


def refresh_feeding(conn: Connection, m: int, created: int | None = None) -> None:
    """After a location write, in its transaction: store which places feed, and recompute the
    available figure of every variant stocked at a place that changed. On PostgreSQL the levels
    are held against writes meanwhile (``SHARE`` lock: readers go on), so no booking adds a delta
    judged by the old flag to a figure recomputed with the new one. ``created``: a place inserted
    by this transaction (nothing can be stocked there yet: its flag alone is stored)."""
    by_rule, stored = _feeding_now(conn, m)
    changed = by_rule ^ stored
    if changed == {created}:
        conn.execute(update(locations).where(locations.c.id == created).values(feeds=created in by_rule))
        return
    if not changed:
        return
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("LOCK TABLE stock_levels IN SHARE MODE")
    for flag, places in ((True, by_rule - stored), (False, stored - by_rule)):
        if places:
            conn.execute(update(locations).where(locations.c.id.in_(sorted(places))).values(feeds=flag))
    s = stock_levels.c
    stocked = select(s.variant_id).where(s.merchant_id == m, s.location_id.in_(sorted(changed))).distinct()
    vids = sorted(int(r[0]) for r in conn.execute(stocked))
    figures = _figures(conn, m, by_rule, vids)
    a = variant_available.c
    for vid in vids:  # a few hundred to a few thousand variants, when a place changes
        conn.execute(
            update(variant_available)
            .where(a.merchant_id == m, a.variant_id == vid)
            .values(available=kept(conn, figures.get(vid, 0)))
        )


LARGEST = 2**63 - 1


def kept(conn: Connection, figure: int) -> int | None:
    """The figure as stored: on SQLite, past its 64-bit integers, NULL (not kept; migration 0037)."""
    return figure if conn.dialect.name != "sqlite" or -LARGEST - 1 <= figure <= LARGEST else None


def _figures(conn: Connection, m: int, feeding: set[int], vids: list[int] | None = None) -> dict[int, int]:
    """Σ (on_hand − booked) per variant over its levels at ``feeding`` places in sellable types
    (summed here: SQLite's ``sum`` fails past 64 bits); ``vids``: only these variants."""
    sellable = {
        int(r[0])
        for r in conn.execute(
            select(inventory_types.c.id).where(inventory_types.c.merchant_id == m, inventory_types.c.sellable.is_(True))
        )
    }
    s = stock_levels.c
    query = select(s.variant_id, s.location_id, s.inventory_type_id, s.on_hand, s.booked).where(s.merchant_id == m)
    if vids is not None:
        query = query.where(s.variant_id.in_(vids))
    out: dict[int, int] = {}
    for vid, loc, itype, on_hand, booked in conn.execute(query):
        if int(loc) in feeding and int(itype) in sellable:
            out[int(vid)] = out.get(int(vid), 0) + int(on_hand) - int(booked)
    return out


@dataclass(frozen=True)
class AvailableDrift:
    """A stored figure of the stock screen that is not what the levels say."""

    what: str  # "available" or "feeds"
    name: str  # the SKU or the location code
    expected: int
    stored: int | None  # None: no row, or a figure SQLite could have held stored as not kept

    def __str__(self) -> str:
        if self.what == "feeds":
            return f"location {self.name}: feeds stored {bool(self.stored)}, the rule says {bool(self.expected)}"
        stored = "nothing" if self.stored is None else str(self.stored)
        return f"{self.name}: available figure stored {stored}, its levels sum to {self.expected}"


def available_drift(conn: Connection, m: int) -> list[AvailableDrift]:
    """Every place whose stored ``feeds`` is not the rule's, and every variant whose stored available
    figure is not Σ of its feeding levels (or has no row; on SQLite a figure not kept is allowed)."""
    by_rule, stored_flags = _feeding_now(conn, m)
    codes = dict(conn.execute(select(locations.c.id, locations.c.code).where(locations.c.merchant_id == m)).all())
    out = [
        AvailableDrift("feeds", str(codes[place]), int(place in by_rule), int(place in stored_flags))
        for place in sorted(by_rule ^ stored_flags)
    ]
    expected = _figures(conn, m, by_rule)
    a = variant_available.c
    stored = {int(r[0]): r[1] for r in conn.execute(select(a.variant_id, a.available).where(a.merchant_id == m))}
    for vid, sku in conn.execute(select(variants.c.id, variants.c.sku).where(variants.c.merchant_id == m)):
        want = expected.get(int(vid), 0)
        if int(vid) not in stored:
            out.append(AvailableDrift("available", str(sku), want, None))
        elif stored[int(vid)] is None:  # not kept (SQLite, once past its integers): the search reads the row
            if conn.dialect.name != "sqlite":
                out.append(AvailableDrift("available", str(sku), want, None))
        elif int(stored[int(vid)]) != want:
            out.append(AvailableDrift("available", str(sku), want, int(stored[int(vid)])))
    return out
