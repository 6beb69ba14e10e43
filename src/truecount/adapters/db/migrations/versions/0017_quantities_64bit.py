"""64-bit quantities: every quantity, level, booking and offered figure is BIGINT on PostgreSQL

SQLite's INTEGER already holds 64 bits, so both backends now store the same figures (up to
2^63 - 1). On PostgreSQL each table's columns change in one ALTER TABLE (one rewrite per table).
On both, a level refuses a figure past 2^63 - 1 (SQLite would otherwise turn such a sum into a REAL).

Revision ID: 0017
Revises: 0012
"""

from alembic import op

revision = "0017"
down_revision = "0012"
branch_labels = None
depends_on = None

MAX_STORED = 2**63 - 1

COLUMNS = {
    "movements": ("on_hand_delta", "booked_delta", "counted"),
    "stock_levels": ("on_hand", "booked"),
    "lot_levels": ("on_hand",),
    "bundle_components": ("quantity",),
    "channels": ("always_in_stock",),
    "channel_rules": ("quantity", "reserve", "cap"),
    "offers": ("quantity",),
    "order_lines": ("quantity", "fulfilled", "cancelled", "returned"),
    "bookings": ("quantity", "shipped", "released"),
    "backorders": ("quantity", "allocated", "cancelled"),
    "incidents": ("quantity",),
    "stocktake_lines": ("expected", "counted"),
    "push_queue": ("quantity",),
    "listing_sync": ("pushed_quantity", "channel_quantity"),
}
CHECKS = (
    ("stock_levels", "ck_stock_levels_on_hand_storable"),
    ("lot_levels", "ck_lot_levels_lot_on_hand_storable"),
)


def _retype(type_name: str) -> None:
    for table, columns in COLUMNS.items():
        changes = ", ".join(f"ALTER COLUMN {column} TYPE {type_name}" for column in columns)
        op.execute(f"ALTER TABLE {table} {changes}")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _retype("BIGINT")
    for table, name in CHECKS:
        with op.batch_alter_table(table) as batch:
            batch.create_check_constraint(op.f(name), f"on_hand <= {MAX_STORED}")


def downgrade() -> None:
    for table, name in CHECKS:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(name), type_="check")
    if op.get_bind().dialect.name == "postgresql":
        _retype("INTEGER")
