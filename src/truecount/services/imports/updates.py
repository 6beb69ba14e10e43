"""Imports that may change what exists (``--update``): locations by ``code``, variants by ``sku``.

- locations: a row whose code exists changes that location — only the columns the file has
  (a ``name`` column left out keeps every name); a new code is created as without ``--update``.
- products: a row whose SKU exists changes that variant's ``options``, ``discontinued``,
  ``sellable_from`` and ``for_sale`` (columns present and not blank) and adds its new ``barcodes`` (none are
  removed); the product takes the file's ``product`` name. A new SKU in a group whose other SKUs
  exist is added to their product; a group of new SKUs makes a new product, as without
  ``--update``. ``tracked``, ``components`` and ``mode`` cannot change on an existing variant: a
  row that asks for it is refused (a kit's bill changes with ``bom set``).

Without ``--update`` an existing key is refused, naming its row. All or nothing, as every import.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, select, update

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import products, variants
from truecount.domain.commands import AddLocation, AddProduct, EditVariant
from truecount.domain.errors import TruecountError
from truecount.domain.row_problems import RowProblems
from truecount.services.catalog.places import write_location
from truecount.services.catalog.products import apply_variant_edit, product_view
from truecount.services.catalog.records import create_product, insert_variant
from truecount.services.common.scope import Scope

from .importer import (
    LOCATION_COLUMNS,
    LOCATION_REQUIRED,
    PRODUCT_COLUMNS,
    PRODUCT_REQUIRED,
    Progress,
    Row,
    RowError,
    cell_bool,
    cell_int,
    check_product_cells,
    column_of,
    note_problem,
    product_groups,
    read_rows,
    row_error,
    variant_spec,
)


@dataclass(frozen=True, slots=True)
class LocationsImported:
    """Rows of a locations file read, and how many locations were created and changed."""

    rows: int
    created: int
    updated: int


@dataclass(frozen=True, slots=True)
class ProductsUpdated:
    """Products and variants of a file, and how many variants were created and changed."""

    products: int
    variants: int
    created: int
    updated: int


def import_locations(
    db: Database, scope: Scope, path: Path, progress: Progress | None = None, *, update_existing: bool = False
) -> LocationsImported:
    """Create (or, with ``update_existing``, change) every location of the file in one transaction."""
    rows, _ = read_rows(path, LOCATION_COLUMNS, LOCATION_REQUIRED)
    _check_location_cells(rows)
    tick = progress or (lambda _n: None)
    done = {"created": 0, "updated": 0}
    with db.write() as conn:
        for row in rows:
            cmd = AddLocation(
                code=row.cells["code"],
                name=row.cells.get("name") or row.cells["code"],
                kind=row.cells.get("kind") or "warehouse",
                saleable=_saleable(row),
                parent=row.cells.get("parent") or None,
                priority=_priority(row),
            )
            given = {name for name, value in row.cells.items() if value or name == "parent"}
            try:
                done[write_location(conn, scope, cmd, given, update_existing=update_existing)] += 1
            except TruecountError as error:
                raise row_error(row.number, column_of(error.field, "code"), error.message) from None
            tick(1)
    return LocationsImported(len(rows), done["created"], done["updated"])


def _check_location_cells(rows: list[Row]) -> None:
    """Every row's cells read on their own (``saleable``, ``priority``) before anything is written: one
    refusal names every row that does not read (:class:`RowProblems`)."""
    problems = RowProblems()
    for row in rows:
        for read in (_saleable, _priority):
            try:
                read(row)
            except RowError as error:
                note_problem(problems, error)
    problems.check()


def _saleable(row: Row) -> bool:
    return cell_bool(row, "saleable", True)


def _priority(row: Row) -> int:
    return cell_int(row, "priority") if row.cells.get("priority", "") else 100


def update_products(db: Database, scope: Scope, path: Path, progress: Progress | None = None) -> ProductsUpdated:
    """``import products --update``: change existing variants by SKU, add new ones (see the module)."""
    rows, _ = read_rows(path, PRODUCT_COLUMNS, PRODUCT_REQUIRED)
    check_product_cells(rows)
    tick = progress or (lambda _n: None)
    done = {"products": 0, "variants": 0, "created": 0, "updated": 0}
    m = scope.merchant_id
    with db.write() as conn:
        for group in product_groups(rows):
            existing = {
                str(sku): int(pid)
                for sku, pid in conn.execute(
                    select(variants.c.sku, variants.c.product_id).where(
                        variants.c.merchant_id == m, variants.c.sku.in_([r.cells["sku"] for r in group])
                    )
                )
            }
            if not existing:
                specs = [variant_spec(row) for row in group]
                try:
                    create_product(conn, scope, AddProduct(group[0].cells["product"], specs))
                except TruecountError as error:
                    raise row_error(group[0].number, column_of(error.field, "sku"), error.message) from None
                done["created"] += len(group)
            else:
                pid = next(iter(existing.values()))
                for row in group:
                    _update_row(conn, m, pid, row, existing)
                    done["updated" if row.cells["sku"] in existing else "created"] += 1
                name = group[0].cells["product"].strip()
                conn.execute(update(products).where(products.c.id == pid).values(name=name))
            done["products"] += 1
            done["variants"] += len(group)
            tick(len(group))
    return ProductsUpdated(**done)


def _update_row(conn: Connection, m: int, pid: int, row: Row, existing: dict[str, int]) -> None:
    spec = variant_spec(row)
    sku = spec.sku
    try:
        if sku not in existing:
            insert_variant(conn, m, pid, spec, "variant")
            return
        if existing[sku] != pid:
            raise row_error(row.number, "product", f"{sku} belongs to another product than the rows before it")
        current = next(v for v in product_view(conn, m, pid).variants if v.sku == sku)
        if row.cells.get("tracked") and spec.tracked != current.tracked:
            raise row_error(row.number, "tracked", f"{sku}: tracked cannot change on an existing variant")
        wanted = sorted((c.sku, c.quantity) for c in spec.components)
        if row.cells.get("components") and wanted != sorted((c.sku, c.quantity) for c in current.components):
            raise row_error(row.number, "components", f"{sku}: a bundle's components cannot change by import")
        if row.cells.get("mode") and spec.mode != current.assembly:
            raise row_error(row.number, "mode", f"{sku}: a kit's mode changes with `truecount bom set`, not by import")
        apply_variant_edit(
            conn,
            m,
            EditVariant(
                sku=sku,
                discontinued=spec.discontinued if row.cells.get("discontinued") else None,
                for_sale=spec.for_sale if row.cells.get("for_sale") else None,
                sellable_from=spec.sellable_from if row.cells.get("sellable_from") else None,
                options=spec.options if row.cells.get("options") else None,
                add_barcodes=[b for b in spec.barcodes if b not in current.barcodes],
            ),
        )
    except TruecountError as error:
        if str(error).startswith(f"row {row.number},"):
            raise
        raise row_error(row.number, column_of(error.field, "sku"), error.message) from None
