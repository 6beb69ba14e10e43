"""Import products and stock from CSV: all or nothing, each refusal naming its row and column.

Formats (UTF-8, header row required, column order free, unknown columns refused):

- products: ``product, sku, barcodes, options, tracked, discontinued, sellable_from, components,
  for_sale, mode``.
  Consecutive rows with the same ``product`` name make one product with several variants.
  ``barcodes`` are ``;``-separated; ``options`` are ``name=value;name=value``; ``tracked`` and
  ``discontinued`` are true/false/yes/no/1/0 (default tracked, not discontinued);
  ``sellable_from`` is YYYY-MM-DD; ``components`` are ``SKU:QTY;SKU:QTY`` (a kit or bundle);
  optionally ``for_sale`` (true/false, default true: false is a raw material) and ``mode``
  (``virtual``, the default, ``ahead`` or ``both``: how a kit is sold).
- locations: ``code`` and optionally ``name`` (default: the code), ``kind`` (default warehouse),
  ``parent`` (a bin: the parent must exist or come earlier in the file), ``saleable``
  (true/false, default true), ``priority`` (a whole number, default 100).
- stock: ``sku, location, quantity`` and optionally ``inventory_type`` (default good), ``lot``,
  ``expires_on``, ``reference``, ``mode`` (``receive``, the default, adds the quantity;
  ``count`` records it as a stocktake figure).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from truecount.adapters.db.engine import Database
from truecount.domain.commands import AddProduct, ComponentSpec, VariantSpec
from truecount.domain.errors import InvalidInput, TruecountError
from truecount.domain.row_problems import RowProblems
from truecount.services.catalog.records import create_product
from truecount.services.common.scope import Scope

PRODUCT_COLUMNS = (
    "product", "sku", "barcodes", "options", "tracked", "discontinued", "sellable_from", "components", "for_sale",
    "mode",
)  # fmt: skip
PRODUCT_REQUIRED = ("product", "sku")
LOCATION_COLUMNS = ("code", "name", "kind", "parent", "saleable", "priority")
LOCATION_REQUIRED = ("code",)
STOCK_COLUMNS = ("sku", "location", "quantity", "inventory_type", "lot", "expires_on", "reference", "mode")
STOCK_REQUIRED = ("sku", "location", "quantity")
MAX_CELL = 1000
Progress = Callable[[int], None]


@dataclass(frozen=True)
class Row:
    number: int  # the line number a spreadsheet shows (header = 1)
    cells: dict[str, str]


class RowError(InvalidInput):
    """A refusal that names the CSV row and column (the message already says both)."""

    def __str__(self) -> str:
        return self.message


def row_error(row: int, column: str, message: str) -> RowError:
    return RowError(f"row {row}, column {column}: {message}", field=column, details=[{"row": row, "column": column}])


def note_problem(problems: RowProblems, error: RowError) -> None:
    """Keep a row's refusal among the file's ``problems`` (its row, column and reason)."""
    where = error.details[0]
    prefix = f"row {where['row']}, column {where['column']}: "
    problems.add(where["row"], where["column"], error.message.removeprefix(prefix))


def read_rows(path: Path, columns: tuple[str, ...], required: tuple[str, ...]) -> tuple[list[Row], int]:
    """Every data row of a CSV file, checked for a usable header. Returns (rows, count)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InvalidInput(f"{path} does not exist", field="file") from None
    except UnicodeDecodeError as bad:
        raise InvalidInput(f"{path} is not UTF-8 text (byte {bad.start})", field="file") from None
    except OSError as bad:
        raise InvalidInput(f"{path} cannot be read: {bad.strerror or bad}", field="file") from None
    return read_text_rows(text, path, columns, required)


def read_text_rows(
    text: str, path: Path | str, columns: tuple[str, ...], required: tuple[str, ...]
) -> tuple[list[Row], int]:
    """Every data row of CSV ``text`` (``path`` names it in refusals), checked for a usable header."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = [name.strip() for name in (reader.fieldnames or [])]
        _check_header(path, header, columns, required)
        reader.fieldnames = header
        rows = []
        for index, raw in enumerate(reader, start=2):
            if None in raw:
                raise row_error(index, "(extra)", f"has more cells than the header's {len(header)} columns")
            cells = {key: (value or "").strip() for key, value in raw.items()}
            if not any(cells.values()):
                continue  # a blank line
            for key, value in cells.items():
                if "\x00" in value:
                    raise row_error(index, key, "contains a NUL character (is this a binary file?)")
                if len(value) > MAX_CELL:
                    raise row_error(index, key, f"is longer than {MAX_CELL} characters")
            rows.append(Row(index, cells))
    except csv.Error as bad:
        raise InvalidInput(f"{path} is not a readable CSV file (line {reader.line_num}: {bad})", field="file") from None
    return rows, len(rows)


def _check_header(path: Path | str, header: list[str], columns: tuple[str, ...], required: tuple[str, ...]) -> None:
    if not header:
        raise InvalidInput(f"{path} is empty: a header row is required ({', '.join(columns)})", field="file")
    if len(header) == 1 and (";" in header[0] or "\t" in header[0]):
        raise InvalidInput(
            f"the header {header[0]!r} is one column: separate columns with commas ({', '.join(columns)})",
            field="header",
        )
    unnamed = [str(i) for i, name in enumerate(header, start=1) if not name]
    if unnamed:
        raise InvalidInput(f"column(s) {', '.join(unnamed)} have no name in the header row", field="header")
    twice = sorted({name for name in header if header.count(name) > 1})
    if twice:
        raise InvalidInput(f"column(s) {', '.join(twice)} appear more than once", field="header")
    unknown = [name for name in header if name not in columns]
    if unknown:
        raise InvalidInput(f"unknown column(s) {', '.join(unknown)}; expected {', '.join(columns)}", field="header")
    missing = [name for name in required if name not in header]
    if missing:
        raise InvalidInput(f"missing column(s) {', '.join(missing)}", field="header")


def cell_bool(row: Row, column: str, default: bool) -> bool:
    value = row.cells.get(column, "").lower()
    if not value:
        return default
    if value in ("true", "yes", "y", "1"):
        return True
    if value in ("false", "no", "n", "0"):
        return False
    raise row_error(row.number, column, f"{value!r} is not true or false")


def cell_date(row: Row, column: str) -> date | None:
    value = row.cells.get(column, "")
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise row_error(row.number, column, f"{value!r} is not a date (YYYY-MM-DD)") from None


def cell_int(row: Row, column: str) -> int:
    value = row.cells.get(column, "")
    if not re.fullmatch(r"-?\d{1,13}", value):
        raise row_error(row.number, column, f"{value!r} is not a whole number" if value else "is required")
    return int(value)


def variant_spec(row: Row) -> VariantSpec:
    options: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in row.cells.get("options", "").split(";"))):
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise row_error(row.number, "options", f"{pair!r} must be name=value")
        options[name.strip()] = value.strip()
    components = []
    for part in filter(None, (p.strip() for p in row.cells.get("components", "").split(";"))):
        sku, _, qty = part.partition(":")
        if not re.fullmatch(r"\d{1,6}", qty or "1"):
            raise row_error(row.number, "components", f"{part!r} must be SKU:QTY")
        components.append(ComponentSpec(sku.strip(), int(qty or "1")))
    return VariantSpec(
        sku=row.cells["sku"],
        barcodes=[b.strip() for b in row.cells.get("barcodes", "").split(";") if b.strip()],
        options=options,
        tracked=cell_bool(row, "tracked", True),
        discontinued=cell_bool(row, "discontinued", False),
        sellable_from=cell_date(row, "sellable_from"),
        components=components,
        for_sale=cell_bool(row, "for_sale", True),
        mode=row.cells.get("mode") or None,
    )


def check_product_cells(rows: list[Row]) -> None:
    """Every row's cells read on their own (a product name, options, components, flags, dates) before
    anything is written: one refusal names every row that does not read (:class:`RowProblems`)."""
    problems = RowProblems()
    for row in rows:
        if not row.cells.get("product"):
            problems.add(row.number, "product", "is required")
            continue
        try:
            variant_spec(row)
        except RowError as error:
            note_problem(problems, error)
    problems.check()


def product_groups(rows: list[Row]) -> Iterator[list[Row]]:
    group: list[Row] = []
    for row in rows:
        if not row.cells.get("product"):
            raise row_error(row.number, "product", "is required")
        if group and group[-1].cells["product"] != row.cells["product"]:
            yield group
            group = []
        group.append(row)
    if group:
        yield group


def column_of(field: str | None, default: str) -> str:
    """``variants[2].components[0].sku`` → ``components``; ``name`` → ``product``."""
    if not field:
        return default
    leaf = re.sub(r"\[\d+\]", "", field.split(".", 1)[-1]) if "." in field else re.sub(r"\[\d+\]", "", field)
    leaf = leaf.split(".")[0]
    return {"name": "product", "to_location": "location"}.get(leaf, leaf)


@dataclass(frozen=True, slots=True)
class ProductsImported:
    """What an import of products created: products and their variants."""

    products: int
    variants: int


def import_products(db: Database, scope: Scope, path: Path, progress: Progress | None = None) -> ProductsImported:
    """Create every product of the file in one transaction, all or nothing: every row whose cells do not
    read is named at once (:func:`check_product_cells`); then the first row the catalogue refuses."""
    rows, _ = read_rows(path, PRODUCT_COLUMNS, PRODUCT_REQUIRED)
    check_product_cells(rows)
    tick = progress or (lambda _n: None)
    created = variants = 0
    with db.write() as conn:
        for group in product_groups(rows):
            specs = [variant_spec(row) for row in group]
            try:
                create_product(conn, scope, AddProduct(group[0].cells["product"], specs))
            except TruecountError as error:
                index = variant_index(error.field)
                row = group[index] if index is not None and index < len(group) else group[0]
                raise row_error(row.number, column_of(error.field, "sku"), error.message) from None
            created += 1
            variants += len(group)
            tick(len(group))
    return ProductsImported(created, variants)


def variant_index(field: str | None) -> int | None:
    found = re.match(r"variants\[(\d+)\]", field or "")
    return int(found.group(1)) if found else None
