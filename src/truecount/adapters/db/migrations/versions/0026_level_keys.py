"""drop the foreign keys of the levels (stock_levels, lot_levels) to the catalogue (verify audits them instead)

Each was a per-row referential check (``SELECT 1 … FOR KEY SHARE`` on PostgreSQL) on every level a
movement, an import or a booking creates: a 50,000-row stock import spent about 1.2 s of its 3.6 s of
server CPU in them (docs/architecture.md). The catalogue rows they point at are never deleted and
every id written is looked up first. verify's orphan audit (``services.stock.orphans``) stands in for
them, as for the keys 0008 dropped.

Revision ID: 0026
Revises: 0025
"""

from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

#: table → the (column, referred table) pairs whose foreign key this revision drops.
DROPPED: dict[str, tuple[tuple[str, str], ...]] = {
    table: (
        ("merchant_id", "merchants"),
        ("variant_id", "variants"),
        ("location_id", "locations"),
        ("inventory_type_id", "inventory_types"),
    )
    for table in ("stock_levels", "lot_levels")
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
