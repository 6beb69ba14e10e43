"""an index for a line's backorders: (merchant, order line)

Shipping, cancelling or returning a line, and every order's view, read the line's backorders by
``(merchant_id, order_line_id)``; without an index PostgreSQL scanned every backorder of the
database for each. (The bookings' reads were fixed in the code: they named only the line, so the
``(merchant_id, order_line_id)`` index could not serve them and every booking was scanned.)

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_backorders_merchant_line", "backorders", ["merchant_id", "order_line_id"])


def downgrade() -> None:
    op.drop_index("ix_backorders_merchant_line", table_name="backorders")
