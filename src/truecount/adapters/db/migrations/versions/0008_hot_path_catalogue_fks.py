"""drop the foreign keys from the four booking hot-path tables to the catalogue (verify audits them instead)

Each one was a per-row referential check (``SELECT 1 … FOR KEY SHARE`` on PostgreSQL) on every
booking; the catalogue rows they point at are never deleted and every id written is looked up in
the same transaction. The structural keys (order_lines.order_id → orders, bookings.order_line_id →
order_lines) stay. See docs/architecture.md, "Foreign keys on the booking hot path".

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

#: table → the (column, referred table) pairs whose foreign key this revision drops.
DROPPED: dict[str, tuple[tuple[str, str], ...]] = {
    "orders": (("merchant_id", "merchants"), ("channel_id", "channels")),
    "order_lines": (("merchant_id", "merchants"), ("variant_id", "variants")),
    "movements": (
        ("merchant_id", "merchants"),
        ("variant_id", "variants"),
        ("location_id", "locations"),
        ("inventory_type_id", "inventory_types"),
    ),
    "bookings": (
        ("merchant_id", "merchants"),
        ("variant_id", "variants"),
        ("location_id", "locations"),
        ("inventory_type_id", "inventory_types"),
    ),
}


def _name(table: str, column: str, target: str) -> str:
    return f"fk_{table}_{column}_{target}"


def upgrade() -> None:
    # batch: SQLite cannot drop a constraint in place, so the table is rebuilt (migrate.py turns
    # SQLite's foreign key enforcement off around it); PostgreSQL gets plain ALTER TABLE statements.
    for table, keys in DROPPED.items():
        with op.batch_alter_table(table) as batch:
            for column, target in keys:
                batch.drop_constraint(op.f(_name(table, column, target)), type_="foreignkey")


def downgrade() -> None:
    for table, keys in DROPPED.items():
        with op.batch_alter_table(table) as batch:
            for column, target in keys:
                batch.create_foreign_key(op.f(_name(table, column, target)), target, [column], ["id"])
