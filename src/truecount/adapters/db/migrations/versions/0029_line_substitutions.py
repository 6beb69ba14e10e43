"""line substitutions: an order line shipped as a substitute of the variant ordered

- ``line_substitutions``: keyed (merchant, order line) — a line is taken whole from one variant —
  with the variant shipped, how many of it, the ratio per unit ordered, why, and whether the
  customer must be told.

Revision ID: 0029
Revises: 0028
"""

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Quantity = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "line_substitutions",
        sa.Column("merchant_id", Id, sa.ForeignKey("merchants.id"), primary_key=True),
        sa.Column("order_line_id", Id, sa.ForeignKey("order_lines.id"), primary_key=True),
        sa.Column("variant_id", Id, sa.ForeignKey("variants.id"), nullable=False),
        sa.Column("quantity", Quantity, nullable=False),
        sa.Column("ratio", sa.Integer(), nullable=False),
        sa.Column("why", sa.Text(), nullable=False),
        sa.Column("notify", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("ratio > 0", name="ratio_positive"),
    )


def downgrade() -> None:
    op.drop_table("line_substitutions")
