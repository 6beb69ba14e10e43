"""Read-only lists the API and the pages show: locations, inventory types."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import aliased

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import inventory_types, locations
from truecount.services.common.scope import Scope

from .records import InventoryTypeRow, LocationRow


def list_locations(db: Database, scope: Scope) -> list[LocationRow]:
    """Every location of the merchant with its parent's code, ordered by code."""
    parent = aliased(locations)
    c = locations.c
    with db.read() as conn:
        rows = conn.execute(
            select(c.id, c.code, c.name, c.kind, c.saleable, parent.c.code, c.priority)
            .select_from(locations.outerjoin(parent, parent.c.id == c.parent_id))
            .where(c.merchant_id == scope.merchant_id)
            .order_by(c.code)
        ).all()
    return [LocationRow(int(r[0]), r[1], r[2], r[3], bool(r[4]), r[5], int(r[6])) for r in rows]


def list_inventory_types(db: Database, scope: Scope) -> list[InventoryTypeRow]:
    """The merchant's inventory types by code."""
    with db.read() as conn:
        rows = conn.execute(
            select(inventory_types.c.code, inventory_types.c.sellable)
            .where(inventory_types.c.merchant_id == scope.merchant_id)
            .order_by(inventory_types.c.code)
        ).all()
    return [InventoryTypeRow(r[0], bool(r[1])) for r in rows]
