"""drop the last two foreign keys of the booking hot path (order_lines → orders, bookings → order_lines)

Each was a per-row referential check (``SELECT 1 … FOR KEY SHARE`` on the parent) on every line and
every booking, about 0.6 ms of a 16-order group's 5.7 (measured, docs/architecture.md). Both
children are written in the statement, or the transaction, that draws their parent's id; the only
delete of a parent (``batch_booking._forget``: refused strict orders, before any line is written)
happens before a child exists. verify's orphan audit (``services.orphans``) stands in for them,
as for the catalogue keys of 0008.

Revision ID: 0009
Revises: 0008
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

#: table → (column, referred table) of the key this revision drops.
DROPPED: dict[str, tuple[str, str]] = {
    "order_lines": ("order_id", "orders"),
    "bookings": ("order_line_id", "order_lines"),
}


def _name(table: str, column: str, target: str) -> str:
    return f"fk_{table}_{column}_{target}"


def upgrade() -> None:
    # batch: SQLite rebuilds the table (migrate.py turns its foreign key enforcement off around it).
    for table, (column, target) in DROPPED.items():
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(_name(table, column, target)), type_="foreignkey")


def downgrade() -> None:
    for table, (column, target) in DROPPED.items():
        with op.batch_alter_table(table) as batch:
            batch.create_foreign_key(op.f(_name(table, column, target)), target, [column], ["id"])
