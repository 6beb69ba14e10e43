"""The stock view a process remembers (PostgreSQL): a batch planned without its read.

A batch waits for the server at its read, at its write (one statement) and at the commit. For a
group of 16 each wait costs more than the server's work; for a batch of 1,000 the read and its rows
are about a tenth of its cost. So each process remembers, per database and merchant, what its reads
taught it, and :func:`view` offers the engine a :class:`StockView` made of that alone
(``exact=False``):

- each SKU's variant, learnt from every read and once from one read of the merchant's variants and
  levels (up to :data:`SIZE`) — only tracked variants that are no bundles and have no supplier choice
  rule of their own (their first source is not the channel's);
- the channels' facts as :mod:`.facts_cache` keeps them (a view is offered only when they are kept);
- at each channel's **first source**, what was free when a read last saw it, less what this
  process's batches booked since: a hint. A group of up to :data:`SMALL` orders counts a level it
  knows nothing of as plenty; a larger batch counts only ``1 /`` :data:`HEADROOM` of what it knows
  (a miss would undo its whole statement).

The engine keeps a plan made on this view only when it is :attr:`~truecount.domain.booking.planner.BatchPlan.certain`
— every line whole from its channel's first source, under a strategy blind to stock: then it is
the plan a fresh read would give whenever those sources hold the batch's total, which the guarded
update checks. The write checks the rest (each SKU still names its variant; the channels' digest).
A miss marks the batch's levels short (and, if a name failed, forgets its SKUs) until a read says
otherwise; the engine then reads.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, bindparam, select

from truecount.adapters.db.tables.catalog import variants
from truecount.adapters.db.tables.ledger import stock_levels
from truecount.domain.booking.view import ChannelSources, Level, Place, StockView, VariantFacts
from truecount.services.orders import facts_cache
from truecount.services.orders.booking import ChannelFacts

SMALL = 64  # orders: a larger batch is planned without reading only with room to spare
HEADROOM = 2  # ... where what is known free is at least this many times what it takes
SIZE = 200_000  # SKUs and levels kept per merchant; beyond, what is kept starts again
PLENTY = 1 << 62  # a level a small group knows nothing of: the guarded update decides


@dataclass
class _Merchant:
    skus: dict[str, VariantFacts] = field(default_factory=dict)  # tracked, no bundle
    free: dict[Level, int] = field(default_factory=dict)  # what was free when last read, less our bookings
    loaded: bool = False  # the merchant's variants were read once


_known: weakref.WeakKeyDictionary[Engine, dict[int, _Merchant]] = weakref.WeakKeyDictionary()
_mutex = threading.Lock()


def _merchant(engine: Engine, m: int) -> _Merchant:
    return _known.setdefault(engine, {}).setdefault(m, _Merchant())


def view(
    conn: Connection, m: int, skus: set[str], codes: tuple[str, ...], orders: int
) -> tuple[StockView, str, dict[str, ChannelFacts]] | None:
    """A view of ``skus`` for a batch of ``orders`` orders of channels ``codes``, from memory alone,
    with the digest of the channels' facts it assumes and those facts; ``None`` when the channels'
    facts are not kept here (PostgreSQL only)."""
    if conn.dialect.name != "postgresql":
        return None
    kept = facts_cache.cached(conn, m, codes)
    if kept is None or len(kept[1]) != len(codes):
        return None
    digest, facts = kept
    _load_once(conn, m, skus)
    firsts = {first for f in facts.values() if (first := f.sources.first) is not None}
    large = orders > SMALL
    with _mutex:
        known = _merchant(conn.engine, m)
        named = {sku: v for sku in skus if (v := known.skus.get(sku)) is not None}
        free: dict[int, dict[Place, int]] = {}
        for v in named.values():
            at = free[v.id] = {}
            for place in firsts:
                hint = known.free.get((v.id, place[0], place[1]))
                at[place] = (
                    (hint // HEADROOM if hint is not None else 0) if large else (hint if hint is not None else PLENTY)
                )
    channels: dict[str, ChannelSources] = {code: f.sources for code, f in facts.items()}
    return StockView(named, free, channels, exact=False), digest, facts


def learn(engine: Engine, m: int, read: StockView) -> None:
    """A read of the stock found these variants and, at the channels' sources, this much free (a
    source it did not return has none)."""
    places = {place for channel in read.channels.values() for place in channel.ranks}
    found = {
        name: v for name, v in read.variants.items() if name == v.sku and v.tracked and not v.bundle and v.rule is None
    }
    with _mutex:
        known = _merchant(engine, m)
        if len(known.skus) + len(found) > SIZE or len(known.free) + len(found) * len(places) > SIZE:
            known.skus.clear()
            known.free.clear()
        known.skus.update(found)
        for v in found.values():
            at = read.free.get(v.id, {})
            for place in places:
                known.free[(v.id, *place)] = at.get(place, 0)


def booked(engine: Engine, m: int, demand: dict[Level, int]) -> None:
    """A plan was written: what it took per level (``demand``) is no longer free."""
    with _mutex:
        free = _merchant(engine, m).free
        for level, q in demand.items():
            have = free.get(level)
            if have is not None:
                free[level] = have - q if have > q else 0


def missed(engine: Engine, m: int, levels: Iterable[Level], skus: Iterable[str], *, names: bool) -> None:
    """A plan made on this view did not hold: its levels count as short and, if a SKU no longer named
    its variant, its SKUs as unknown, until a read says otherwise."""
    with _mutex:
        known = _merchant(engine, m)
        for level in levels:
            known.free[level] = 0
        if names:
            for sku in skus:
                known.skus.pop(sku, None)


_VARIANTS = (
    select(variants.c.sku, variants.c.id)
    .where(
        variants.c.merchant_id == bindparam("m"),
        variants.c.is_bundle.is_(False),
        variants.c.tracked.is_(True),
        variants.c.supplier_choice.is_(None),
    )
    .limit(bindparam("cap"))
)
_FREE = (
    select(
        stock_levels.c.variant_id,
        stock_levels.c.location_id,
        stock_levels.c.inventory_type_id,
        stock_levels.c.on_hand - stock_levels.c.booked,
    )
    .where(stock_levels.c.merchant_id == bindparam("m"))
    .limit(bindparam("cap"))
)


def _load_once(conn: Connection, m: int, skus: set[str]) -> None:
    """The first time a batch has SKUs not known here, read the merchant's variants and what each
    level has free (if they are not more than :data:`SIZE`): a process learns its catalogue once,
    not batch by batch. What a read taught since is kept: it is newer."""
    with _mutex:
        known = _merchant(conn.engine, m)
        if known.loaded or all(sku in known.skus for sku in skus):
            return
        known.loaded = True
    named = conn.execute(_VARIANTS, {"m": m, "cap": SIZE + 1}).all()
    if len(named) > SIZE:
        return
    levels = conn.execute(_FREE, {"m": m, "cap": SIZE + 1}).all()
    with _mutex:
        known = _merchant(conn.engine, m)
        for sku, vid in named:
            known.skus.setdefault(str(sku), VariantFacts(int(vid), str(sku)))
        if len(levels) <= SIZE:
            for vid, loc, t, free in levels:
                known.free.setdefault((int(vid), int(loc), int(t)), int(free))
