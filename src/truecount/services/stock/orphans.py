"""The audit that stands in for the foreign keys dropped from the hot paths (migrations 0008, 0009, 0026, 0038).

orders, order_lines, movements and bookings name their merchant, channel, variant, location and
inventory type without a foreign key (0008), and a line its order and a booking its line (0009);
so do the levels, ``stock_levels`` and ``lot_levels`` (0026), and the offers and queued pushes (0038):
the database no longer refuses a row whose parent is missing, so ``verify`` looks for such rows,
one anti-join per reference. A ``book``/``ship``/… movement's line (``movements.order_line_id``,
never a key) is audited the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Column, Connection, Select, Table, exists, func, select

from truecount.adapters.db.tables.catalog import inventory_types, locations, merchants, variants
from truecount.adapters.db.tables.channels import channels
from truecount.adapters.db.tables.ledger import lot_levels, movements, stock_levels
from truecount.adapters.db.tables.offers import listings, offers
from truecount.adapters.db.tables.orders import bookings, order_lines, orders
from truecount.adapters.db.tables.sync import push_queue

#: Every reference 0008, 0009, 0026 and 0038 stopped the database from checking, other than ``merchant_id``, and
#: the movements' lines: (table, column, parent). The parent must be the merchant's own.
REFERENCES: tuple[tuple[Table, str, Table], ...] = (
    (orders, "channel_id", channels),
    (order_lines, "order_id", orders),
    (order_lines, "variant_id", variants),
    (movements, "variant_id", variants),
    (movements, "location_id", locations),
    (movements, "inventory_type_id", inventory_types),
    (movements, "order_line_id", order_lines),
    (bookings, "order_line_id", order_lines),
    (bookings, "variant_id", variants),
    (bookings, "location_id", locations),
    (bookings, "inventory_type_id", inventory_types),
    (stock_levels, "variant_id", variants),
    (stock_levels, "location_id", locations),
    (stock_levels, "inventory_type_id", inventory_types),
    (lot_levels, "variant_id", variants),
    (lot_levels, "location_id", locations),
    (lot_levels, "inventory_type_id", inventory_types),
    (offers, "listing_id", listings),
    (offers, "channel_id", channels),
    (offers, "variant_id", variants),
    (push_queue, "channel_id", channels),
)
TABLES = (orders, order_lines, movements, bookings, stock_levels, lot_levels, offers, push_queue)


@dataclass(frozen=True)
class Orphan:
    """``rows`` rows of ``table`` whose ``column`` names ``missing_id``, which does not exist (for
    ``merchant_id``: no merchant; otherwise: not among this merchant's rows of the parent table)."""

    table: str
    column: str
    missing_id: int
    rows: int

    def __str__(self) -> str:
        where = "no merchant has" if self.column == "merchant_id" else "this merchant does not have"
        return f"{self.rows} {self.table} row(s) name {self.column} {self.missing_id}, which {where}"


def find_orphans(conn: Connection, merchant_id: int) -> list[Orphan]:
    """Rows of the merchant naming a channel, variant, location, inventory type, order, order line or listing
    that is not one of the merchant's own, and rows of any merchant naming a merchant that does not exist."""
    found: list[Orphan] = []
    for table, column, parent in REFERENCES:
        col: Column[int] = table.c[column]
        own = exists().where(parent.c.id == col, parent.c.merchant_id == merchant_id)
        query = select(col, func.count()).where(table.c.merchant_id == merchant_id, col.is_not(None), ~own)
        found += _grouped(conn, query.group_by(col), table, column)
    for table in TABLES:  # not per merchant: a row of a missing merchant is in no merchant's scope
        col = table.c.merchant_id
        query = select(col, func.count()).where(~exists().where(merchants.c.id == col))
        found += _grouped(conn, query.group_by(col), table, "merchant_id")
    return found


def _grouped(conn: Connection, query: Select[int, int], table: Table, column: str) -> list[Orphan]:
    rows = conn.execute(query).all()
    return [Orphan(table.name, column, int(missing), int(n)) for missing, n in sorted(rows)]
