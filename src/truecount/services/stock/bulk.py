"""Many receives and counts recorded at once, set-based (a stock import): the same ledger lines and
levels as one :func:`~truecount.services.stock.movements.record_movement` per entry, in a few statements.

:func:`record_many` runs inside the caller's write transaction and takes it in three steps:

1. **Read, locked**: one statement reads (and on PostgreSQL locks, ``FOR UPDATE`` in the global lock
   order: variant, location, type) every level of the variants the entries touch, which includes
   the levels of the bins below a counted location; one more reads their lots. Receives need no
   figure, but their levels are locked all the same, up front, so the transaction never takes a
   level lock out of order.
2. **Plan in memory**, entry by entry in order, with the domain's rules: a receive adds; a count
   records the figure (:func:`truecount.domain.ledger.count_lines`: counted − expected, a shortfall
   first-expiry-first-out) after the bins check (:func:`truecount.domain.bins.check_count_at_parent`).
   The first refusal is raised as :class:`EntryRefused` naming the entry: nothing is written.
3. **Write**: the new lots, every ledger line, the level and lot deltas — one statement each
   (arrays on PostgreSQL), whatever the number of entries. The caller announces the variants to
   :mod:`truecount.services.common.availability` (in chunks: see :func:`announce`).

An act has one moment and one actor (:class:`Meta`), a file's; a bulk loader replaying a history
(the demo's month) gives an entry its own (``Entry.at``, ``Entry.actor``): its lines carry them, and
the levels' ``updated_at`` is the act's moment.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, select

from truecount.adapters.db.any_of import in_list
from truecount.adapters.db.packed import int8s
from truecount.adapters.db.tables.catalog import lots
from truecount.adapters.db.tables.ledger import lot_levels, stock_levels
from truecount.domain.bins import BinStock, check_count_at_parent
from truecount.domain.errors import TruecountError
from truecount.domain.ledger import count_lines
from truecount.services.common import availability
from truecount.services.stock import bulk_write

LevelKey = tuple[int, int, int]  # variant, location, inventory type
ANNOUNCE_CHUNK = 5000  # variants per availability announcement of a bulk act


@dataclass(frozen=True)
class Entry:
    """One receive or count, resolved to ids (``sku`` and ``location`` are kept for messages)."""

    kind: str  # "receive" or "count"
    variant_id: int
    location_id: int
    inventory_type_id: int
    quantity: int  # received units, or the counted figure
    sku: str
    location: str
    lot: str | None = None
    expires_on: date | None = None
    reference: str | None = None
    at: datetime | None = None  # naive UTC: this entry's own moment (a bulk loader's history); None: the act's
    actor: str | None = None  # who recorded it, when not the act's actor


class EntryRefused(Exception):
    """Entry number ``index`` (0-based) was refused with ``error``; nothing was written."""

    def __init__(self, index: int, error: TruecountError) -> None:
        super().__init__(str(error))
        self.index, self.error = index, error


@dataclass(frozen=True)
class Meta:
    merchant_id: int
    at: datetime  # naive UTC: the act's moment (its entries' and the levels' ``updated_at``)
    actor: str


@dataclass
class Draft:
    """A plan made from the levels as they were read (:func:`plan_many`), and those levels."""

    keys: list[LevelKey]  # the levels read: the touched ones and the bins below a counted location
    levels: dict[LevelKey, int]
    lot_rows: dict[tuple[LevelKey, str], tuple[Any, int]]
    plan: _Plan


def plan_many(
    conn: Connection, m: int, entries: list[Entry], bins_of: dict[int, list[tuple[int, str]]], *, lock: bool = False
) -> Draft:
    """Read the levels the entries touch (``lock``: locked, in key order, on PostgreSQL) and plan every
    line; the first refusal raises :class:`EntryRefused`. Without the lock it is a draft: a caller
    may plan before its write transaction and hand the draft to :func:`record_many`."""
    counted_below = {
        (e.variant_id, b, e.inventory_type_id)
        for e in entries
        if e.kind == "count"
        for b, _ in bins_of.get(e.location_id, [])
    }
    touched = _keys(entries)
    keys = sorted(touched | counted_below)
    levels = _read_levels(conn, m, keys, lock=lock)
    lot_rows = _read_lots(conn, m, {k for k in touched if k in levels})
    plan = _Plan(levels, lot_rows)
    for index, entry in enumerate(entries):
        try:
            plan.apply(index, entry, bins_of)
        except TruecountError as error:
            raise EntryRefused(index, error) from None
    return Draft(keys, levels, lot_rows, plan)


def record_many(
    conn: Connection,
    meta: Meta,
    entries: list[Entry],
    bins_of: dict[int, list[tuple[int, str]]],
    draft: Draft | None = None,
) -> set[int]:
    """Record every entry (see the module). ``bins_of``: location id → every location below it
    (id, code). ``draft``: a plan made before the transaction (:func:`plan_many`); it is used when
    the levels, read again under lock, are still what it was made from (else the lines are planned
    again), so the planning need not happen while the levels are locked. Returns the variants
    whose levels moved."""
    if not entries:
        return set()
    current = plan_many(conn, meta.merchant_id, entries, bins_of, lock=True) if draft is None else None
    if draft is not None:
        levels = _read_levels(conn, meta.merchant_id, draft.keys, lock=True)
        lot_rows = _read_lots(conn, meta.merchant_id, {k for k in _keys(entries) if k in levels})
        if (levels, lot_rows) != (draft.levels, draft.lot_rows):
            current = plan_many(conn, meta.merchant_id, entries, bins_of, lock=True)
    used = current if current is not None else draft
    assert used is not None
    plan, levels, lot_rows = used.plan, used.levels, used.lot_rows
    new_lots: dict[tuple[int, str], date | None] = {}
    for e in entries:
        if e.lot and (e.variant_id, e.lot) not in new_lots:
            new_lots[(e.variant_id, e.lot)] = e.expires_on  # a lot already known keeps its date
    lines: list[bulk_write.Line] = []
    for index, key, lot, delta, counted in plan.lines:
        e = entries[index]
        lines.append((e.kind, key, lot, delta, counted, e.reference, e.at, e.actor))
    writes = bulk_write.Writes(meta.merchant_id, meta.at, meta.actor)
    writes.lots(conn, new_lots)
    writes.movements(conn, lines)
    writes.levels(conn, plan.level_delta, set(levels))
    writes.lot_levels(conn, plan.lot_delta, set(lot_rows))
    return {e.variant_id for e in entries}


def announce(conn: Connection, merchant_id: int, variant_ids: Iterable[int]) -> None:
    """Tell the availability listeners that these variants moved, :data:`ANNOUNCE_CHUNK` at a time
    (each listener then works on a bounded set; a bundle whose components fall in two chunks is
    recomputed twice, the second time from every change)."""
    ordered = sorted(set(variant_ids))
    for start in range(0, len(ordered), ANNOUNCE_CHUNK):
        availability.changed(conn, merchant_id, set(ordered[start : start + ANNOUNCE_CHUNK]))


class _Plan:
    """The levels and lots as the entries leave them, and the ledger lines that say why."""

    def __init__(self, levels: dict[LevelKey, int], lot_rows: dict[tuple[LevelKey, str], tuple[Any, int]]) -> None:
        self.on_hand = dict(levels)  # level → on hand (booked never changes here)
        self.lots: dict[LevelKey, dict[str, list[Any]]] = {}  # level → lot → [expires_on, on_hand]
        for (key, code), (expires, held) in lot_rows.items():
            self.lots.setdefault(key, {})[code] = [expires, held]
        self.lines: list[tuple[int, LevelKey, str, int, int | None]] = []  # entry, level, lot, delta, counted
        self.level_delta: dict[LevelKey, int] = {}
        self.lot_delta: dict[tuple[LevelKey, str], int] = {}

    def apply(self, index: int, e: Entry, bins_of: dict[int, list[tuple[int, str]]]) -> None:
        key = (e.variant_id, e.location_id, e.inventory_type_id)
        if e.kind == "receive":
            self._line(index, key, e.lot or "", e.quantity, None)
            return
        bins = [
            BinStock(code, self.on_hand.get((e.variant_id, b, e.inventory_type_id), 0), 0)
            for b, code in bins_of.get(e.location_id, [])
        ]
        check_count_at_parent(e.location, e.sku, sorted(bins, key=lambda s: s.code))
        held = [(code, exp, q) for code, (exp, q) in self.lots.get(key, {}).items() if q > 0]
        for code, delta, counted in count_lines(e.quantity, e.lot, self.on_hand.get(key, 0), held):
            self._line(index, key, code, delta, counted)

    def _line(self, index: int, key: LevelKey, lot: str, delta: int, counted: int | None) -> None:
        self.lines.append((index, key, lot, delta, counted))
        self.on_hand[key] = self.on_hand.get(key, 0) + delta
        self.level_delta[key] = self.level_delta.get(key, 0) + delta
        if delta:
            held = self.lots.setdefault(key, {}).setdefault(lot, [None, 0])
            held[1] += delta
            self.lot_delta[(key, lot)] = self.lot_delta.get((key, lot), 0) + delta


_s, _ll = stock_levels.c, lot_levels.c
# By variant (the primary key's prefix), filtered to the wanted levels here: a join to the wanted keys
# (unnest) was planned as a nested loop over the whole table once the statistics lagged behind a
# growing stock_levels (seconds a statement); this is one index range per variant whatever the stats.
_LEVELS_PG = """
SELECT s.variant_id, s.location_id, s.inventory_type_id, s.on_hand
FROM stock_levels s
WHERE s.merchant_id = %(m)s AND s.variant_id = ANY(%(v)b::bigint[])
ORDER BY s.variant_id, s.location_id, s.inventory_type_id
"""
_LEVELS_OF = select(_s.variant_id, _s.location_id, _s.inventory_type_id, _s.on_hand).where(
    _s.merchant_id == bindparam("m"), in_list(_s.variant_id, "vids")
)
_LOTS_OF = (
    select(_ll.variant_id, _ll.location_id, _ll.inventory_type_id, _ll.lot, lots.c.expires_on, _ll.on_hand)
    .select_from(
        lot_levels.outerjoin(
            lots,
            and_(lots.c.merchant_id == _ll.merchant_id, lots.c.variant_id == _ll.variant_id, lots.c.code == _ll.lot),
        )
    )
    .where(_ll.merchant_id == bindparam("m"), in_list(_ll.variant_id, "vids"), _ll.on_hand > 0)
)


def _keys(entries: list[Entry]) -> set[LevelKey]:
    return {(e.variant_id, e.location_id, e.inventory_type_id) for e in entries}


def _read_levels(conn: Connection, m: int, keys: list[LevelKey], *, lock: bool) -> dict[LevelKey, int]:
    """On hand of the levels that exist among ``keys`` (``lock``: locked in key order on PostgreSQL)."""
    wanted, vids = set(keys), sorted({k[0] for k in keys})
    if conn.dialect.name == "postgresql":
        sql = _LEVELS_PG + "FOR UPDATE OF s\n" if lock else _LEVELS_PG
        rows = conn.exec_driver_sql(sql, {"m": m, "v": int8s(vids)})
    else:
        rows = conn.execute(_LEVELS_OF, {"m": m, "vids": vids})
    return {k: int(q) for a, b, c, q in rows if (k := (int(a), int(b), int(c))) in wanted}


def _read_lots(conn: Connection, m: int, keys: set[LevelKey]) -> dict[tuple[LevelKey, str], tuple[Any, int]]:
    """The lots with stock at these levels: (level, lot) → (expires_on, on hand)."""
    if not keys:
        return {}
    rows = conn.execute(_LOTS_OF, {"m": m, "vids": sorted({k[0] for k in keys})})
    found: dict[tuple[LevelKey, str], tuple[Any, int]] = {}
    for v, loc, t, code, expires, held in rows:
        key = (int(v), int(loc), int(t))
        if key in keys:
            found[(key, str(code))] = (expires, int(held))
    return found
