"""``import stock``: a file of receives and counts, staged and checked set-based, then applied in short
set-based transactions (all or nothing for every refusal; a refusal names the row and column).

1. **Stage** (no transaction): every row is parsed and checked on its own — mode, quantity, dates,
   lot — as :func:`truecount.services.stock.movements.record_movement` checks one movement.
2. **Resolve** (a read transaction, a handful of statements whatever the size): SKUs (or barcodes),
   locations, inventory types and known lots become ids; an unknown one, an untracked SKU or a lot
   given another expiry date refuses its row. The progress callback ticks here, row by row, and no
   lock is held: orders and API writes go on meanwhile.
3. **Plan** (same read transaction): the rows are cut into parts of about :data:`APPLY_CHUNK_ROWS`
   rows, every row of a variant in the same part, and every line is planned with the domain's rules
   from the levels as read (:func:`truecount.services.stock.bulk.plan_many`); a count the bins make
   ambiguous is refused here, the first in file order. Nothing has been written.
4. **Apply** (one short write transaction per part): :func:`truecount.services.stock.bulk.record_many`
   locks the part's levels, keeps its plan if they have not moved meanwhile (else plans again, under
   the lock) and writes its lines in a few statements; the availability listeners (backorders,
   channel offers, alerts) run for its variants inside the same transaction. An order waits at most
   for one part (on SQLite, any write does: one writer at a time), never for the whole file. On
   SQLite each part is a bulk write (:meth:`Database.write`): it starts once every writer of another
   process already waiting (``truecount serve`` while the CLI imports) has had its turn.
   Every movement of the file carries one time stamp.

Once planned, a part cannot be refused for its data: a receive always applies, and so does a count
at a location that had no bins. A count at a location with bins could be refused if the bins gained
stock meanwhile, so every variant with such a count goes in the first part: a refusal there still
leaves nothing written. What a refusal cannot undo is a failure of the database itself (a crash, a
lost connection) between two parts: the parts before it stay applied, each complete for its variants.

Every row is checked (parsed, then looked up if it parsed) and every bad one is named in the one
refusal (:class:`~truecount.domain.row_problems.RowProblems`: the first 50 listed, all counted); a
count the bins make ambiguous is found when planning, once the rows all read well.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import BindParameter, Connection, bindparam, select

from truecount.adapters.db.any_of import in_list
from truecount.adapters.db.engine import Database
from truecount.adapters.db.statistics import refresh_stale
from truecount.adapters.db.tables.catalog import barcodes, inventory_types, lots, variants
from truecount.domain.errors import TruecountError
from truecount.domain.ledger import check_quantity
from truecount.domain.row_problems import RowProblems
from truecount.services.common.lookups import location_tree
from truecount.services.common.retry import with_retry
from truecount.services.common.scope import Scope, db_time, utcnow
from truecount.services.imports.importer import (
    STOCK_COLUMNS,
    STOCK_REQUIRED,
    Row,
    RowError,
    cell_date,
    cell_int,
    column_of,
    note_problem,
    read_rows,
    row_error,
)
from truecount.services.stock.bulk import Draft, Entry, EntryRefused, Meta, announce, plan_many, record_many

Progress = Callable[[int], None]
APPLY_CHUNK_ROWS = 2_000  # rows a part: what one write transaction applies (an order waits at most for one)
#: What the import and the listeners of its parts read: their planner statistics are refreshed first
#: when they lag (a catalogue or listings added in bulk just before), see adapters.db.statistics.
READ_TABLES = (
    "variants", "barcodes", "lots", "stock_levels", "lot_levels", "listings", "offers", "bundle_components",
    "channel_rules", "backorders", "trackers",
)  # fmt: skip
GROWN_TABLES = ("stock_levels", "lot_levels")  # what the import itself fills: checked again between parts
GROWN_FACTOR = 4.0  # ... analyzed again once never analyzed, or this many times their analyzed size


@dataclass(frozen=True)
class _Staged:
    number: int
    kind: str
    sku: str
    location: str
    quantity: int
    inventory_type: str
    lot: str | None
    expires_on: date | None
    reference: str | None


@dataclass(frozen=True, slots=True)
class StockImported:
    """How many rows of a stock file were recorded (all of them: a file is all or nothing)."""

    rows: int


def import_stock(db: Database, scope: Scope, path: Path, progress: Progress | None = None) -> StockImported:
    """Record every row as a receive (or a count), all or nothing; every bad row is named in the refusal."""
    rows, _ = read_rows(path, STOCK_COLUMNS, STOCK_REQUIRED)
    tick = progress or (lambda _n: None)
    problems = RowProblems()
    staged = _stage(rows, scope.max_quantity, problems)
    numbers = [s.number for s in staged]

    def refusal(index: int, error: TruecountError) -> RowError:
        return row_error(numbers[index], column_of(error.field, "quantity"), error.message)

    _fresh_statistics(db, READ_TABLES)
    with db.read() as conn:
        entries, bins_of = _resolve(conn, scope.merchant_id, staged, tick, problems)
        problems.check()
        parts = _parts(entries, bins_of)
        drafts: list[Draft] = []
        refused: list[tuple[int, TruecountError]] = []
        for part in parts:  # planned here, without a lock; each write transaction checks its levels did not move
            try:
                drafts.append(plan_many(conn, scope.merchant_id, [entries[i] for i in part], bins_of))
            except EntryRefused as error:
                refused.append((part[error.index], error.error))
        if refused:
            raise refusal(*min(refused, key=lambda found: found[0])) from None
    meta = Meta(scope.merchant_id, db_time(utcnow()), scope.actor)
    for number, (part, draft) in enumerate(zip(parts, drafts, strict=True)):
        if number:
            _fresh_statistics(db, GROWN_TABLES, GROWN_FACTOR)
        # a deadlock with a concurrent writer (PostgreSQL aborts one): the part again
        with_retry(functools.partial(_apply, db, meta, entries, part, bins_of, draft, refusal))
    return StockImported(len(rows))


def _fresh_statistics(db: Database, tables: tuple[str, ...], growth: float | None = None) -> None:
    """PostgreSQL: analyze those of ``tables`` whose statistics lag (own short transaction, holding
    no row lock); SQLite plans without them."""
    if db.is_sqlite:
        return
    with db.write() as conn:
        refresh_stale(conn, tables) if growth is None else refresh_stale(conn, tables, growth)


def _parts(entries: list[Entry], bins_of: dict[int, list[tuple[int, str]]]) -> list[list[int]]:
    """The entries (their indexes, in file order) cut into the parts applied one transaction each:
    every entry of a variant in one part; first every variant counted at a location with bins."""
    of_variant: dict[int, list[int]] = {}
    for index, entry in enumerate(entries):
        of_variant.setdefault(entry.variant_id, []).append(index)
    refusable = {e.variant_id for e in entries if e.kind == "count" and bins_of.get(e.location_id)}
    first = sorted(i for v in refusable for i in of_variant[v])
    parts, current = ([first] if first else []), []
    for variant, indexes in of_variant.items():
        if variant in refusable:
            continue
        current.extend(indexes)
        if len(current) >= APPLY_CHUNK_ROWS:
            parts.append(sorted(current))
            current = []
    return [*parts, sorted(current)] if current else parts


def _apply(
    db: Database,
    meta: Meta,
    entries: list[Entry],
    part: list[int],
    bins_of: dict[int, list[tuple[int, str]]],
    draft: Draft,
    refusal: Callable[[int, TruecountError], RowError],
) -> None:
    """One part, in one write transaction: its lines and levels, then its variants' listeners."""
    with db.write(bulk=True) as conn:  # after the writers already waiting (SQLite: of other processes)
        try:
            moved = record_many(conn, meta, [entries[i] for i in part], bins_of, draft)
        except EntryRefused as refused:
            raise refusal(part[refused.index], refused.error) from None
        announce(conn, meta.merchant_id, moved)


def _stage(rows: list[Row], max_quantity: int, problems: RowProblems) -> list[_Staged]:
    """Each row parsed and checked on its own: the rows that read well; the others go to ``problems``."""
    staged: list[_Staged] = []
    for row in rows:
        try:
            staged.append(_parse(row, max_quantity))
        except RowError as error:
            note_problem(problems, error)
    return staged


def _parse(row: Row, max_quantity: int) -> _Staged:
    cells, n = row.cells, row.number
    mode = cells.get("mode") or "receive"
    if mode not in ("receive", "count"):
        raise row_error(n, "mode", f"{mode!r} must be receive or count")
    quantity = cell_int(row, "quantity")
    expires_on = cell_date(row, "expires_on")
    for column in ("sku", "location"):
        if not cells.get(column):
            raise row_error(n, column, "is required")
    try:
        check_quantity(quantity, field="quantity", max_quantity=max_quantity, allow_zero=mode == "count")
    except TruecountError as error:
        raise row_error(n, "quantity", error.message) from None
    lot = cells.get("lot") or None
    if expires_on and not lot:
        raise row_error(n, "expires_on", "needs a lot: an expiry date belongs to a lot")
    if lot is not None and len(lot) > 128:
        raise row_error(n, "lot", "is longer than 128 characters")
    itype = cells.get("inventory_type") or "good"
    return _Staged(
        n, mode, cells["sku"], cells["location"], quantity, itype, lot, expires_on, cells.get("reference") or None
    )


_M: BindParameter[int] = bindparam("m")
_BY_SKU = select(variants.c.sku, variants.c.id, variants.c.tracked).where(
    variants.c.merchant_id == _M, in_list(variants.c.sku, "codes")
)
_BY_BARCODE = (
    select(barcodes.c.code, variants.c.id, variants.c.tracked, variants.c.sku)
    .join(variants, variants.c.id == barcodes.c.variant_id)
    .where(barcodes.c.merchant_id == _M, in_list(barcodes.c.code, "codes"))
)
_TYPES = select(inventory_types.c.code, inventory_types.c.id).where(inventory_types.c.merchant_id == _M)
_LOTS = select(lots.c.variant_id, lots.c.code, lots.c.expires_on).where(
    lots.c.merchant_id == _M, in_list(lots.c.variant_id, "vids")
)


def _resolve(
    conn: Connection, m: int, staged: list[_Staged], tick: Progress, problems: RowProblems
) -> tuple[list[Entry], dict[int, list[tuple[int, str]]]]:
    """The rows as entries (ids), and every location's bins; a row that names an unknown SKU, location
    or type, an untracked SKU or a lot with another expiry date goes to ``problems`` instead."""
    found: dict[str, tuple[int, bool, str]] = {
        str(sku): (int(vid), bool(tracked), str(sku))
        for sku, vid, tracked in conn.execute(_BY_SKU, {"m": m, "codes": sorted({s.sku for s in staged})})
    }
    unknown = sorted({s.sku for s in staged} - set(found))
    if unknown:
        for code, vid, tracked, sku in conn.execute(_BY_BARCODE, {"m": m, "codes": unknown}):
            found[str(code)] = (int(vid), bool(tracked), str(sku))
    codes, bins_of = location_tree(conn, m)
    types = {str(code): int(tid) for code, tid in conn.execute(_TYPES, {"m": m})}
    lotted = sorted({found[s.sku][0] for s in staged if s.lot and s.sku in found})
    known_lots = {(int(v), str(c)): e for v, c, e in conn.execute(_LOTS, {"m": m, "vids": lotted})} if lotted else {}
    entries: list[Entry] = []
    for s in staged:
        try:
            entries.append(_entry(s, found, codes, types, known_lots))
        except RowError as error:
            note_problem(problems, error)
        tick(1)
    return entries, bins_of


def _entry(
    s: _Staged,
    found: dict[str, tuple[int, bool, str]],
    codes: dict[str, int],
    types: dict[str, int],
    known_lots: dict[tuple[int, str], date | None],
) -> Entry:
    if s.sku not in found:
        raise row_error(s.number, "sku", f"no variant with SKU or barcode {s.sku!r}")
    if s.location not in codes:
        raise row_error(s.number, "location", f"no location with code {s.location!r}")
    if s.inventory_type not in types:
        raise row_error(s.number, "inventory_type", f"no inventory type {s.inventory_type!r}")
    vid, tracked, sku = found[s.sku]
    if not tracked:
        raise row_error(s.number, "sku", f"{sku} is not tracked (a non-inventory item): it has no stock")
    if s.lot is not None:
        if (vid, s.lot) not in known_lots:
            known_lots[(vid, s.lot)] = s.expires_on  # the first row naming a new lot dates it
        stored = known_lots[(vid, s.lot)]
        if s.expires_on is not None and stored is not None and stored != s.expires_on:
            message = f"lot {s.lot} already expires on {stored}, not {s.expires_on}"
            raise row_error(s.number, "expires_on", message)
    return Entry(
        s.kind,
        vid,
        codes[s.location],
        types[s.inventory_type],
        s.quantity,
        sku,
        s.location,
        s.lot,
        s.expires_on,
        s.reference,
    )
