"""Resolve the names people use (SKU, barcode, location code, type code) to ids, or refuse clearly."""

from __future__ import annotations

from sqlalchemy import Connection, select

from truecount.adapters.db.tables.catalog import barcodes, inventory_types, locations, variants
from truecount.domain.errors import NotFound


def variant_id(conn: Connection, merchant_id: int, sku: str, *, field: str = "sku") -> int:
    """The variant with this SKU (or, failing that, this barcode)."""
    found = conn.execute(
        select(variants.c.id).where(variants.c.merchant_id == merchant_id, variants.c.sku == sku)
    ).scalar()
    if found is None:
        found = conn.execute(
            select(barcodes.c.variant_id).where(barcodes.c.merchant_id == merchant_id, barcodes.c.code == sku)
        ).scalar()
    if found is None:
        raise NotFound(f"no variant with SKU or barcode {sku!r}", field=field)
    return int(found)


def location_id(conn: Connection, merchant_id: int, code: str, *, field: str = "location") -> int:
    found = conn.execute(
        select(locations.c.id).where(locations.c.merchant_id == merchant_id, locations.c.code == code)
    ).scalar()
    if found is None:
        raise NotFound(f"no location with code {code!r}", field=field)
    return int(found)


def inventory_type_id(conn: Connection, merchant_id: int, code: str, *, field: str = "inventory_type") -> int:
    found = conn.execute(
        select(inventory_types.c.id).where(inventory_types.c.merchant_id == merchant_id, inventory_types.c.code == code)
    ).scalar()
    if found is None:
        raise NotFound(f"no inventory type {code!r}", field=field)
    return int(found)


def location_and_descendants(conn: Connection, merchant_id: int, root_id: int) -> list[int]:
    """A location and every bin below it (counts roll up to the parent)."""
    rows = conn.execute(
        select(locations.c.id, locations.c.parent_id).where(locations.c.merchant_id == merchant_id)
    ).all()
    children: dict[int, list[int]] = {}
    for loc_id, parent in rows:
        if parent is not None:
            children.setdefault(int(parent), []).append(int(loc_id))
    found, todo = [], [root_id]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found
