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
    cell_bool,
    cell_int,
    column_of,
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
    tick = progress or (lambda _n: None)
    done = {"created": 0, "updated": 0}
    with db.write() as conn:
        for row in rows:
            priority = row.cells.get("priority", "")
            cmd = AddLocation(
                code=row.cells["code"],
                name=row.cells.get("name") or row.cells["code"],
                kind=row.cells.get("kind") or "warehouse",
                saleable=cell_bool(row, "saleable", True),
                parent=row.cells.get("parent") or None,
                priority=cell_int(row, "priority") if priority else 100,
            )
            given = {name for name, value in row.cells.items() if value or name == "parent"}
            try:
                done[write_location(conn, scope, cmd, given, update_existing=update_existing)] += 1
            except TruecountError as error:
                raise row_error(row.number, column_of(error.field, "code"), error.message) from None
            tick(1)
    return LocationsImported(len(rows), done["created"], done["updated"])


def update_products(db: Database, scope: Scope, path: Path, progress: Progress | None = None) -> ProductsUpdated:
    """``import products --update``: change existing variants by SKU, add new ones (see the module)."""
    rows, _ = read_rows(path, PRODUCT_COLUMNS, PRODUCT_REQUIRED)
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
