"""one supplier a drop-ship location: the (merchant, location) index of suppliers becomes unique

The service already refuses a second supplier for a location; the unique index closes the race of two
adds at once (the later one is refused by the database, answered 409).

Revision ID: 0022
Revises: 0021
"""

from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_suppliers_merchant_location", table_name="suppliers")
    op.create_index("ix_suppliers_merchant_location", "suppliers", ["merchant_id", "location_id"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_suppliers_merchant_location", table_name="suppliers")
    op.create_index("ix_suppliers_merchant_location", "suppliers", ["merchant_id", "location_id"])
