"""Planning a batch of orders without reading first (PostgreSQL): one round trip and one read less.

A batch of orders waits for the server at its stock read, at its one statement
(:mod:`batch_statement`) and at the commit (``BEGIN`` goes with the first of them:
:mod:`adapters.db.together`). For a group of 16 on this kind of machine each wait costs more than
the server's work; for a batch of 1,000 the read and the plan on its rows are about a tenth of
the batch's CPU (docs/benchmarks.md). So a batch, of any size, that can be planned without the read
is planned so, when:

- every SKU is known here (learnt from earlier reads, or from one read of the merchant's
  variants and levels): its variant, tracked and no bundle;
- the channels' facts are kept (:mod:`facts_cache`);
- each line can come whole from its channel's **first source** — the first (location, type) in
  the channel's order. That is what :func:`domain.allocation.plan` takes whenever that source
  covers the line (with the ``priority`` strategy; with ``most_available`` only when the channel
  has one source), so the plan is the one a fresh read would give exactly when the first source
  holds enough for all the batch's lines of the variant: which is what the guarded statement
  checks when it books their total there;
- nothing known here says the first source is short (:func:`learn` keeps, per level, what was
  free when a read last saw it, less what this process's batches booked since: a hint, never
  booked on). A group of up to :data:`SMALL` orders also goes where nothing is known of the
  level; a larger batch only where what is known free is at least :data:`HEADROOM` times what it
  takes, for a miss costs it its whole statement. Another process's bookings leave the hint
  high, which costs a batch at worst one undone statement: the miss marks the batch's levels
  short until a read says otherwise, and the read that follows says.

The one statement checks the rest (:data:`batch_statement.CHECKED`): each (variant, SKU) pair
still names a tracked variant that is no bundle, and the channels' facts are unchanged (their
digest). If a check or a level misses, the statement is undone (:class:`batch_statement.StalePlan`)
and the batch is planned again on a fresh read, which also refreshes what is known here.
Orders that need anything else (a shortfall, a split, a bundle, an unknown SKU, most available
over several sources) go the reading way at once: the whole batch reads.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, bindparam, select

from truecount.adapters.db.tables.catalog import variants
from truecount.adapters.db.tables.ledger import stock_levels
from truecount.domain.allocation import MOST_AVAILABLE, Take
from truecount.domain.commands import PlaceOrder
from truecount.services.orders import facts_cache
from truecount.services.orders.batch_plan import BatchOrder, sources_of
from truecount.services.orders.batch_reads import ChannelCache
from truecount.services.orders.batch_statement import Known

SMALL = 64  # orders: a larger batch is planned without reading only with room to spare
HEADROOM = 2  # ... where what is known free is at least this many times what it takes
SIZE = 200_000  # SKUs and levels kept per merchant; beyond, what is kept starts again
Level = tuple[int, int, int]  # variant, location, inventory type


@dataclass
class _Merchant:
    skus: dict[str, tuple[int, bool]] = field(default_factory=dict)  # sku -> (variant id, tracked)
    free: dict[Level, int] = field(default_factory=dict)  # what was free when last read, less our bookings
    loaded: bool = False  # the merchant's variants were read once


_known: weakref.WeakKeyDictionary[Engine, dict[int, _Merchant]] = weakref.WeakKeyDictionary()
_mutex = threading.Lock()


def _merchant(engine: Engine, m: int) -> _Merchant:
    return _known.setdefault(engine, {}).setdefault(m, _Merchant())


def learn(
    engine: Engine,
    m: int,
    found: dict[str, tuple[int, bool]],
    available: dict[int, dict[tuple[int, int], int]],
    sources: list[tuple[int, int]],
) -> None:
    """A stock read of these SKUs found these variants and, at ``sources``, this much free (a
    source it did not return had none)."""
    with _mutex:
        known = _merchant(engine, m)
        if len(known.skus) + len(found) > SIZE or len(known.free) + len(found) * len(sources) > SIZE:
            known.skus.clear()
            known.free.clear()
        known.skus.update(found)
        for vid, tracked in found.values():
            if tracked:
                at = available.get(vid, {})
                for source in sources:
                    known.free[(vid, *source)] = at.get(source, 0)


@dataclass(frozen=True)
class Guess:
    """A batch planned without reading: its orders, what the statement must check, and what it takes
    per level (for :func:`booked`)."""

    orders: list[BatchOrder]
    known: Known
    demand: dict[Level, int]


def plan(conn: Connection, m: int, cmds: list[PlaceOrder], channels: ChannelCache) -> Guess | None:
    """The batch planned without reading — each line whole from its channel's first source — and
    what the statement must check; ``None`` when the batch needs a read (see the module)."""
    if conn.dialect.name != "postgresql":
        return None
    codes = tuple(sorted({cmd.channel for cmd in cmds}))
    kept = facts_cache.cached(conn, m, codes)
    if kept is None:
        return None
    digest, facts = kept
    firsts = {code: _first_source(at, facts[code].channel.allocation) for code, at in sources_of(facts).items()}
    starts = {code: (first, facts[code].channel) for code, first in firsts.items() if first is not None}
    if len(starts) < len(firsts):
        return None
    skus = {line.sku for cmd in cmds for line in cmd.lines}
    _load_once(conn, m, skus)
    with _mutex:
        known = _merchant(conn.engine, m)
        named = {sku: known.skus.get(sku) for sku in skus}
    vid_of: dict[str, int] = {}
    for sku, entry in named.items():
        if entry is None or not entry[1]:
            return None
        vid_of[sku] = entry[0]
    orders = []
    demand: dict[Level, int] = {}
    shared: dict[tuple[int, int, int], Take] = {}  # a Take is frozen: one per (location, type, quantity)
    for cmd in cmds:
        (loc, t), channel = starts[cmd.channel]
        takes, vids = [], []
        for line in cmd.lines:
            vid, q = vid_of[line.sku], line.quantity
            take = shared.get((loc, t, q))
            if take is None:
                take = shared[(loc, t, q)] = Take(loc, t, q)
            vids.append(vid)
            takes.append([take])
            level = (vid, loc, t)
            demand[level] = demand.get(level, 0) + q
        orders.append(BatchOrder(cmd, channel, vids, takes, [0] * len(vids)))
    with _mutex:
        free = _merchant(conn.engine, m).free
        if len(cmds) > SMALL:  # a miss would undo its whole statement: only with room to spare
            if any(free.get(level, 0) < HEADROOM * q for level, q in demand.items()):
                return None
        elif any(free.get(level, q) < q for level, q in demand.items()):
            return None  # known to be short there: the read decides
    channels.update(facts)
    return Guess(orders, Known(vid_of, codes, digest), demand)


def taken(orders: list[BatchOrder]) -> dict[Level, int]:
    """What ``orders`` take per level, as planned."""
    total: dict[Level, int] = {}
    for order in orders:
        for vid, takes in zip(order.vids, order.takes, strict=True):
            for take in takes:
                level = (vid, take.location_id, take.inventory_type_id)
                total[level] = total.get(level, 0) + take.quantity
    return total


def booked(engine: Engine, m: int, demand: dict[Level, int]) -> None:
    """A plan was written: what it took per level (``demand``) is no longer free."""
    with _mutex:
        free = _merchant(engine, m).free
        for level, q in demand.items():
            have = free.get(level)
            if have is not None:
                free[level] = have - q if have > q else 0


def missed(engine: Engine, m: int, orders: list[BatchOrder], *, levels: bool, names: bool) -> None:
    """A plan made without reading did not hold: its levels count as short and, if a SKU no longer
    named its variant, its SKUs as unknown, until a read says otherwise."""
    with _mutex:
        known = _merchant(engine, m)
        for order in orders:
            for line, vid, takes in zip(order.cmd.lines, order.vids, order.takes, strict=True):
                if names:
                    known.skus.pop(line.sku, None)
                if levels:
                    for take in takes:
                        known.free[(vid, take.location_id, take.inventory_type_id)] = 0


def _first_source(sources: dict[tuple[int, int], int], allocation: str) -> tuple[int, int] | None:
    """The (location, type) the channel's strategy takes a line from whenever it covers the line
    (``sources``: :func:`batch_plan.sources_of`); ``None`` when that depends on the stock (most
    available, over several sources)."""
    if not sources or (allocation == MOST_AVAILABLE and len(sources) > 1):
        return None
    _, loc, t = min((rank, loc, t) for (loc, t), rank in sources.items())
    return loc, t


_VARIANTS = (
    select(variants.c.sku, variants.c.id, variants.c.tracked)
    .where(variants.c.merchant_id == bindparam("m"), variants.c.is_bundle.is_(False))
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
        known.skus.update({str(sku): (int(vid), bool(tracked)) for sku, vid, tracked in named})
        if len(levels) <= SIZE:
            for vid, loc, t, free in levels:
                known.free.setdefault((int(vid), int(loc), int(t)), int(free))
