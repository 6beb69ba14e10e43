"""Export products and stock as CSV in the formats :mod:`truecount.services.imports.importer` reads back."""

from __future__ import annotations

import csv
import json
from typing import IO

from sqlalchemy import select

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import barcodes, bundle_components, locations, products, variants
from truecount.services.common.scope import Scope
from truecount.services.imports.importer import LOCATION_COLUMNS, PRODUCT_COLUMNS, STOCK_COLUMNS
from truecount.services.stock.levels import StockRow, stock


def export_products(db: Database, scope: Scope, out: IO[str]) -> int:
    """Write one row per variant, grouped by product. Returns the number of rows."""
    m = scope.merchant_id
    with db.read() as conn:
        rows = conn.execute(
            select(variants, products.c.name.label("product"))
            .join(products, products.c.id == variants.c.product_id)
            .where(variants.c.merchant_id == m)
            .order_by(products.c.id, variants.c.id)
        ).all()
        codes: dict[int, list[str]] = {}
        for vid, code in conn.execute(
            select(barcodes.c.variant_id, barcodes.c.code).where(barcodes.c.merchant_id == m)
        ):
            codes.setdefault(int(vid), []).append(code)
        sku_of = {int(r.id): r.sku for r in rows}
        parts: dict[int, list[str]] = {}
        for bundle, component, qty in conn.execute(
            select(bundle_components.c.bundle_id, bundle_components.c.component_id, bundle_components.c.quantity).where(
                bundle_components.c.merchant_id == m
            )
        ):
            parts.setdefault(int(bundle), []).append(f"{sku_of[int(component)]}:{qty}")
    writer = csv.DictWriter(out, fieldnames=PRODUCT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for r in rows:
        options = json.loads(r.options)
        writer.writerow(
            {
                "product": r.product,
                "sku": r.sku,
                "barcodes": ";".join(sorted(codes.get(int(r.id), []))),
                "options": ";".join(f"{k}={v}" for k, v in options.items()),
                "tracked": "true" if r.tracked else "false",
                "discontinued": "true" if r.discontinued else "false",
                "sellable_from": r.sellable_from.isoformat() if r.sellable_from else "",
                "components": ";".join(sorted(parts.get(int(r.id), []))),
                "for_sale": "true" if r.for_sale else "false",
                "mode": r.assembly or "",
            }
        )
    return len(rows)


def export_stock(db: Database, scope: Scope, out: IO[str]) -> int:
    """Write on-hand stock per SKU, location, type and lot as ``receive`` rows (an import rebuilds it)."""
    writer = csv.DictWriter(out, fieldnames=STOCK_COLUMNS, lineterminator="\n")
    writer.writeheader()
    count = 0
    for row in stock(db, scope):
        lotted = 0
        for lot in row.lots:
            lotted += lot.on_hand
            writer.writerow(_stock_line(row, lot.on_hand, lot.lot, lot.expires_on or ""))
            count += 1
        if row.on_hand - lotted > 0:
            writer.writerow(_stock_line(row, row.on_hand - lotted, "", ""))
            count += 1
    return count


def _stock_line(row: StockRow, quantity: int, lot: str, expires: str) -> dict[str, object]:
    return {
        "sku": row.sku,
        "location": row.location,
        "quantity": quantity,
        "inventory_type": row.inventory_type,
        "lot": lot,
        "expires_on": expires,
        "reference": "export",
        "mode": "receive",
    }


def export_locations(db: Database, scope: Scope, out: IO[str]) -> int:
    """Write one row per location, every parent before its bins. Returns the number of rows."""
    with db.read() as conn:
        rows = conn.execute(
            select(locations).where(locations.c.merchant_id == scope.merchant_id).order_by(locations.c.id)
        ).all()
    code_of = {int(r.id): r.code for r in rows}
    writer = csv.DictWriter(out, fieldnames=LOCATION_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for r in rows:  # a parent always exists before its bins, so id order puts it first
        writer.writerow(
            {
                "code": r.code,
                "name": r.name,
                "kind": r.kind,
                "parent": code_of[int(r.parent_id)] if r.parent_id is not None else "",
                "saleable": "true" if r.saleable else "false",
                "priority": r.priority,
            }
        )
    return len(rows)
