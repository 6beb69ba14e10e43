"""pick lists: what to take off the shelves at a location for some orders and work orders

- ``pick_lists``: the location, the orders and work orders asked (JSON lists of ids), who made it, when.
- ``pick_list_lines``: units of a variant (type, lot) to take from one place (the location or a bin)
  for one order or work order, and how many were picked (scanned) so far.

Revision ID: 0027
Revises: 0026
"""

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Quantity = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "pick_lists",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("merchant_id", Id, sa.ForeignKey("merchants.id"), nullable=False),
        sa.Column("location_id", Id, sa.ForeignKey("locations.id"), nullable=False),
        sa.Column("orders", sa.Text(), nullable=False),
        sa.Column("work_orders", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "pick_list_lines",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("merchant_id", Id, sa.ForeignKey("merchants.id"), nullable=False),
        sa.Column("pick_list_id", Id, sa.ForeignKey("pick_lists.id"), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("location_id", Id, sa.ForeignKey("locations.id"), nullable=False),
        sa.Column("variant_id", Id, sa.ForeignKey("variants.id"), nullable=False),
        sa.Column("inventory_type_id", Id, sa.ForeignKey("inventory_types.id"), nullable=False),
        sa.Column("lot", sa.String(128), nullable=False),
        sa.Column("quantity", Quantity, nullable=False),
        sa.Column("picked", Quantity, nullable=False),
        sa.Column("order_id", Id, sa.ForeignKey("orders.id"), nullable=True),
        sa.Column("work_order_id", Id, sa.ForeignKey("work_orders.id"), nullable=True),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("picked >= 0 AND picked <= quantity", name="picked_at_most_asked"),
        sa.UniqueConstraint("merchant_id", "pick_list_id", "line_no", name="uq_pick_list_lines_merchant_list_line"),
    )


def downgrade() -> None:
    op.drop_table("pick_list_lines")
    op.drop_table("pick_lists")
