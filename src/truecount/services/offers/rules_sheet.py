"""Rules in bulk by spreadsheet: export a channel's rules to CSV or XLSX, edit, import them back.

Columns: ``sku, kind, quantity, percent, location, reserve, cap, listing, steps``. The export has one
row per variant of the catalogue (an empty ``kind`` is the default: offer the pool), each followed by
one row per listing of that variant on the channel: ``listing`` its reference, ``steps`` its own
quantity rule (steps in order, separated by spaces: ``percent=30@DS1 reserve=5 cap=20``; empty: the
channel's rule). On import an empty ``kind`` clears the rule, an empty ``steps`` on a listing row
clears the listing's steps; a row not in the file is left as it is (``listing`` and ``steps`` may be
left out of a file altogether). An import is all or nothing: every row is checked first, and every bad
row is reported by row number and column.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from sqlalchemy import bindparam, delete, select, update

from truecount.adapters.db.any_of import in_list
from truecount.adapters.db.bulk import insert_many
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import locations, variants
from truecount.adapters.db.tables.offers import channel_rules, listings
from truecount.domain.errors import InvalidInput, NotFound, TruecountError
from truecount.domain.listing_refs import check_rule
from truecount.domain.listing_steps import check_steps, locations_of
from truecount.domain.row_problems import RowProblems
from truecount.services.channels.setup import load_channel
from truecount.services.common.scope import Scope, db_time, utcnow
from truecount.services.offers import recompute as offer_service
from truecount.services.offers.listing_terms import stored_steps
from truecount.services.offers.listings import ListingRow, list_listings
from truecount.services.offers.rules import rules_of

COLUMNS = ("sku", "kind", "quantity", "percent", "location", "reserve", "cap", "listing", "steps")
RULE_COLUMNS = COLUMNS[1:7]
Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class RulesImported:
    """What a rules file did: its rows, the rules set and cleared, the listings whose steps it set (or
    cleared), and the listings whose offer changed."""

    rows: int
    set: int
    cleared: int
    listings_changed: int
    listing_steps: int = 0


def _kind_of(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise InvalidInput("must end in .csv or .xlsx", field="file")
    return suffix[1:]


def export_rules(db: Database, scope: Scope, channel_code: str, path: Path) -> int:
    """Write every variant with the channel's rule for it, each followed by its listings on the channel with
    their own steps; returns the number of rows."""
    kind = _kind_of(path)
    rows = rules_of(db, scope, channel_code)
    listed: dict[str, list[ListingRow]] = {}
    for listing in list_listings(db, scope, channel_code):
        listed.setdefault(listing.sku, []).append(listing)
    table: list[list[Any]] = []
    for row in rows:
        table.append([_cell(getattr(row, c)) for c in COLUMNS[:7]] + ["", ""])
        table += [
            [row.sku, *([""] * 6), listing.external_ref, " ".join(listing.steps or [])]
            for listing in listed.get(row.sku, [])
        ]
    if kind == "csv":
        with path.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(COLUMNS)
            writer.writerows(table)
    else:
        book = Workbook(write_only=True)
        sheet = book.create_sheet(f"rules {channel_code}"[:31])
        sheet.append(list(COLUMNS))
        for line in table:
            sheet.append(line)
        book.save(path)
    return len(table)


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:f}"
    return value


def read_rows(path: Path) -> list[dict[str, str]]:
    """The file's data rows as text by column name (row 1 is the header)."""
    kind = _kind_of(path)
    if not path.exists():
        raise NotFound(f"no file {str(path)!r}", field="file")
    if kind == "csv":
        with path.open(newline="", encoding="utf-8-sig") as src:
            raw = list(csv.reader(src))
    else:
        book = load_workbook(path, read_only=True, data_only=True)
        raw = [["" if v is None else _text(v) for v in row] for row in book.worksheets[0].iter_rows(values_only=True)]
    if not raw:
        raise InvalidInput("is empty: expected a header row " + ",".join(COLUMNS), field="file")
    header = [h.strip().lower() for h in raw[0]]
    missing = [c for c in ("sku", "kind") if c not in header]
    unknown = [h for h in header if h and h not in COLUMNS]
    if missing or unknown:
        problem = f"missing column(s) {', '.join(missing)}" if missing else f"unknown column(s) {', '.join(unknown)}"
        raise InvalidInput(f"{problem}; expected {','.join(COLUMNS)}", field="file")
    return [
        {name: (row[i].strip() if i < len(row) else "") for i, name in enumerate(header) if name}
        for row in raw[1:]
        if any(str(v).strip() for v in row)
    ]


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _number(text: str, column: str) -> int | None:
    if text == "":
        return None
    if not text.lstrip("-").isdigit():
        raise InvalidInput(f"must be a whole number, not {text!r}", field=column)
    return int(text)


def import_rules(
    db: Database, scope: Scope, channel_code: str, path: Path, progress: Progress | None = None
) -> RulesImported:
    """Set (or, with an empty kind, clear) each row's rule on the channel, all or nothing."""
    rows = read_rows(path)
    checked: list[tuple[int, str, dict[str, Any] | None]] = []
    steps_of: dict[int, tuple[int, int, str | None]] = {}  # listing id → (channel, variant, steps as stored)
    problems = RowProblems()
    m = scope.merchant_id
    with db.read() as conn:
        load_channel(conn, m, channel_code)
        skus = {
            str(s): int(i)
            for s, i in conn.execute(select(variants.c.sku, variants.c.id).where(variants.c.merchant_id == m))
        }
        codes = {
            str(c): int(i)
            for c, i in conn.execute(select(locations.c.code, locations.c.id).where(locations.c.merchant_id == m))
        }
        channel_id = load_channel(conn, m, channel_code).id
        refs = {
            str(ref): (int(lid), int(vid))
            for ref, lid, vid in conn.execute(
                select(listings.c.external_ref, listings.c.id, listings.c.variant_id).where(
                    listings.c.merchant_id == m, listings.c.channel_id == channel_id
                )
            )
        }
    seen: dict[str, int] = {}
    seen_refs: dict[str, int] = {}
    for n, row in enumerate(rows, start=2):
        if progress and (n - 1) % 500 == 0:
            progress(n - 1, len(rows))
        try:
            sku = row.get("sku", "")
            if sku not in skus:
                raise InvalidInput(f"no variant with SKU {sku!r}", field="sku")
            if row.get("listing"):
                lid, steps = _listing_row(row, skus[sku], refs, seen_refs, n, codes)
                steps_of[lid] = (channel_id, skus[sku], steps)
                continue
            if sku in seen:
                raise InvalidInput(f"{sku} is already on row {seen[sku]}", field="sku")
            seen[sku] = n
            kind = row.get("kind", "").lower()
            rule = None
            if kind:
                location = row.get("location") or None
                if location is not None and location not in codes:
                    raise InvalidInput(f"no location with code {location!r}", field="location")
                rule = check_rule(
                    kind,
                    _number(row.get("quantity", ""), "quantity"),
                    row.get("percent") or None,
                    location,
                    _number(row.get("reserve", ""), "reserve"),
                    _number(row.get("cap", ""), "cap"),
                )
            checked.append((n, sku, rule))
        except TruecountError as error:
            problems.add(n, error.field, error.message)
    problems.check()
    if progress:
        progress(len(rows), len(rows))
    with db.write() as conn:  # one short transaction: the rules in two statements, then the offers
        channel = load_channel(conn, m, channel_code)
        ids = sorted(skus[sku] for _, sku, _ in checked)
        clearing = sorted(skus[sku] for _, sku, rule in checked if rule is None)
        cleared = len(conn.execute(_HELD, {"m": m, "ch": channel.id, "ids": clearing}).all()) if clearing else 0
        conn.execute(_DROP, {"m": m, "ch": channel.id, "ids": ids})
        now = db_time(utcnow())
        new = [
            {"merchant_id": m, "channel_id": channel.id, "variant_id": skus[sku], "kind": rule["kind"],
             "quantity": rule["quantity"], "percent": rule["percent"],
             "location_id": codes[rule["location"]] if rule.get("location") else None,
             "reserve": rule["reserve"], "cap": rule["cap"], "updated_at": now}
            for _, sku, rule in checked
            if rule is not None
        ]  # fmt: skip
        insert_many(conn, channel_rules, new)
        changed = offer_service.recompute_variants(conn, m, set(ids), channel.id) if ids else 0
        if steps_of:
            conn.execute(_SET_STEPS, [{"lid": lid, "steps": steps} for lid, (_, _, steps) in steps_of.items()])
            listed = {lid: (ch, vid) for lid, (ch, vid, _) in steps_of.items()}
            changed += offer_service.recompute_listings(conn, m, listed)
    return RulesImported(len(checked) + len(steps_of), len(new), cleared, changed, len(steps_of))


def _listing_row(
    row: dict[str, str],
    vid: int,
    refs: dict[str, tuple[int, int]],
    seen_refs: dict[str, int],
    n: int,
    codes: dict[str, int],
) -> tuple[int, str | None]:
    """A listing row checked: its listing (of this row's SKU) and its steps as stored (None: the channel's rule)."""
    ref = row["listing"]
    for column in RULE_COLUMNS:
        if row.get(column):
            raise InvalidInput("a listing row takes steps, not a rule of the variant", field=column)
    found = refs.get(ref)
    if found is None:
        raise InvalidInput(f"no listing {ref!r} on this channel", field="listing")
    if found[1] != vid:
        raise InvalidInput(f"listing {ref!r} is of another variant", field="sku")
    if ref in seen_refs:
        raise InvalidInput(f"{ref} is already on row {seen_refs[ref]}", field="listing")
    seen_refs[ref] = n
    text = row.get("steps", "")
    if not text:
        return found[0], None
    try:
        steps = check_steps(text.split())
    except TruecountError as error:
        raise InvalidInput(f"{error.field}: {error.message}", field="steps") from None
    unknown = sorted(locations_of(steps) - set(codes))
    if unknown:
        raise InvalidInput(f"no location with code {unknown[0]!r}", field="steps")
    return found[0], stored_steps(steps)


_r = channel_rules.c
_THESE = (_r.merchant_id == bindparam("m"), _r.channel_id == bindparam("ch"), in_list(_r.variant_id, "ids"))
_HELD = select(_r.variant_id).where(*_THESE)
_DROP = delete(channel_rules).where(*_THESE)
_SET_STEPS = update(listings).where(listings.c.id == bindparam("lid")).values(steps=bindparam("steps"))
