"""A feed file's rows checked set-based, then applied all or nothing in one short write transaction.

1. :func:`check_rows` (no transaction, then one read transaction): every row read with the domain's
   rules (:func:`truecount.domain.feeds.read_row`); the keys looked up in two statements (supplier
   SKUs among the supplier's items, or our SKUs); an unknown key, an untracked SKU, a row naming a
   variant an earlier row named: each refused with its row and column. Every refusal is collected.
2. :func:`apply_rows` (the caller's write transaction): what is held now (the figures at the
   supplier's location, the items' costs and marks) is read in two statements, each row compared
   (:func:`truecount.domain.feeds.row_change`); the figures that differ are recorded as ``feed``
   movements by :func:`truecount.services.stock.bulk.record_many` (as a stock import records a
   count: the ledger explains each), the costs and marks written, and the variants announced to the
   availability listeners (offers recomputed, pushes queued). The same file again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection, select, update

from truecount.adapters.db.any_of import in_list
from truecount.adapters.db.tables.catalog import variants
from truecount.adapters.db.tables.ledger import stock_levels
from truecount.adapters.db.tables.suppliers import supplier_items
from truecount.domain.feeds import CellRefused, FeedRow, Held, read_row, row_change
from truecount.services.common.lookups import inventory_type_id
from truecount.services.common.scope import db_time, utcnow
from truecount.services.common.sql import insert_ignore
from truecount.services.imports.importer import Row
from truecount.services.stock.bulk import Entry, Meta, announce, plan_many, record_many

from .records import Refusal

MAX_REFUSALS = 100  # a run lists at most this many refused rows (the rest are counted in rows_read)


@dataclass(frozen=True, slots=True)
class Target:
    """Where a feed writes: the merchant, the supplier and its location (id and code)."""

    merchant_id: int
    supplier_id: int
    supplier: str
    location_id: int
    location: str


@dataclass(frozen=True, slots=True)
class Checked:
    """A row resolved to its variant (id and our SKU)."""

    row: FeedRow
    variant_id: int
    sku: str


@dataclass(frozen=True, slots=True)
class Applied:
    rows_changed: int
    movements: int


def read_all(rows: list[Row], mapping: dict[str, str], max_quantity: int) -> tuple[list[FeedRow], list[Refusal]]:
    """Every row read on its own; the refusals in file order."""
    read: list[FeedRow] = []
    refused: list[Refusal] = []
    for row in rows:
        try:
            read.append(read_row(row.number, row.cells, mapping, max_quantity))
        except CellRefused as bad:
            refused.append(Refusal(row.number, bad.field or "", bad.message))
    return read, refused


def check_rows(
    conn: Connection, target: Target, rows: list[FeedRow], mapping: dict[str, str]
) -> tuple[list[Checked], list[Refusal]]:
    """The rows resolved to variants, and every row refused (unknown, untracked, named twice)."""
    m, column_of = target.merchant_id, {f: c for c, f in mapping.items()}
    by_supplier_sku = "supplier_sku" in column_of
    key_column = column_of["supplier_sku" if by_supplier_sku else "sku"]
    keys = sorted({r.key for r in rows})
    found: dict[str, list[tuple[int, str, bool]]] = {}
    if by_supplier_sku:
        query = (
            select(supplier_items.c.supplier_sku, variants.c.id, variants.c.sku, variants.c.tracked)
            .join(variants, variants.c.id == supplier_items.c.variant_id)
            .where(supplier_items.c.merchant_id == m, supplier_items.c.supplier_id == target.supplier_id)
            .where(in_list(supplier_items.c.supplier_sku, "keys"))
        )
    else:
        query = select(variants.c.sku, variants.c.id, variants.c.sku, variants.c.tracked).where(
            variants.c.merchant_id == m, in_list(variants.c.sku, "keys")
        )
    for key, vid, sku, tracked in conn.execute(query, {"keys": keys}) if keys else []:
        found.setdefault(str(key), []).append((int(vid), str(sku), bool(tracked)))
    checked: list[Checked] = []
    refused: list[Refusal] = []
    first_row: dict[int, int] = {}
    for r in rows:
        hits = found.get(r.key, [])
        problem = None
        if not hits:
            problem = (
                f"no item of supplier {target.supplier} has supplier SKU {r.key!r}"
                if by_supplier_sku
                else f"no variant with SKU {r.key!r}"
            )
        elif len(hits) > 1:
            problem = f"supplier SKU {r.key!r} names several of our SKUs: {', '.join(sorted(h[1] for h in hits))}"
        elif not hits[0][2] and r.quantity is not None:
            problem = f"{hits[0][1]} is not tracked (a non-inventory item): it has no stock"
        elif hits[0][0] in first_row:
            problem = f"{hits[0][1]} is named again (first in row {first_row[hits[0][0]]})"
        if problem is not None:
            refused.append(Refusal(r.number, key_column, problem))
            continue
        vid, sku, _ = hits[0]
        first_row[vid] = r.number
        checked.append(Checked(r, vid, sku))
    return checked, refused


def apply_rows(conn: Connection, target: Target, checked: list[Checked], actor: str, reference: str) -> Applied:
    """Apply every row that changes something (see the module); returns how many rows changed and
    how many ledger lines were written."""
    m = target.merchant_id
    good = inventory_type_id(conn, m, "good")
    vids = sorted({c.variant_id for c in checked})
    on_hand = {
        int(v): int(q)
        for v, q in conn.execute(
            select(stock_levels.c.variant_id, stock_levels.c.on_hand).where(
                stock_levels.c.merchant_id == m, stock_levels.c.location_id == target.location_id,
                stock_levels.c.inventory_type_id == good, in_list(stock_levels.c.variant_id, "vids"),
            ),
            {"vids": vids},
        )
    } if vids else {}  # fmt: skip
    si = supplier_items.c
    items = {
        int(v): (Decimal(str(cost)), bool(mark))
        for v, cost, mark in conn.execute(
            select(si.variant_id, si.unit_cost, si.discontinued).where(
                si.merchant_id == m, si.supplier_id == target.supplier_id, in_list(si.variant_id, "vids")
            ),
            {"vids": vids},
        )
    } if vids else {}  # fmt: skip
    entries: list[Entry] = []
    changed: set[int] = set()
    now = db_time(utcnow())
    for c in checked:
        item = items.get(c.variant_id)
        # Without an item (and no cost to make one) there is nowhere to keep the mark: it is not compared.
        mark = item[1] if item is not None else bool(c.row.discontinued) and c.row.cost is None
        held = Held(on_hand.get(c.variant_id, 0), item[0] if item else None, mark)
        change = row_change(c.row, held)
        if not change.any:
            continue
        changed.add(c.variant_id)
        if change.figure is not None:
            entries.append(
                Entry("feed", c.variant_id, target.location_id, good, change.figure, c.sku, target.location,
                      reference=reference)
            )  # fmt: skip
        _write_item(conn, target, c, item, change.cost, change.discontinued, now)
    movements = 0
    if entries:
        meta = Meta(m, now, actor)
        draft = plan_many(conn, m, entries, {}, lock=True)
        movements = len(draft.plan.lines)
        record_many(conn, meta, entries, {}, draft)
    if changed:
        announce(conn, m, changed)
    return Applied(len(changed), movements)


def _write_item(
    conn: Connection,
    target: Target,
    c: Checked,
    item: tuple[Decimal, bool] | None,
    cost: Decimal | None,
    mark: bool | None,
    now: object,
) -> None:
    """The item's new cost and mark; an item made when a row with a cost names a variant it has none for."""
    if cost is None and mark is None:
        return
    si = supplier_items.c
    if item is None:
        if cost is None:
            return
        key = {"merchant_id": target.merchant_id, "supplier_id": target.supplier_id, "variant_id": c.variant_id}
        insert_ignore(
            conn, supplier_items, key | {"unit_cost": cost, "case_size": 1, "updated_at": now,
                                         "discontinued": bool(mark)},
        )  # fmt: skip
        return
    values: dict[str, object] = {"updated_at": now}
    if cost is not None:
        values["unit_cost"] = cost
    if mark is not None:
        values["discontinued"] = mark
    conn.execute(
        update(supplier_items)
        .where(si.merchant_id == target.merchant_id, si.supplier_id == target.supplier_id)
        .where(si.variant_id == c.variant_id)
        .values(**values)
    )
