"""stocktakes: a count of a location (or some bins) — its lines, counted figures and approval

Revision ID: 0015
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0016"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "stocktakes",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("merchant_id", Id, sa.ForeignKey("merchants.id"), nullable=False),
        sa.Column("location_id", Id, sa.ForeignKey("locations.id"), nullable=False),
        sa.Column("places", sa.String(2000), nullable=False),
        sa.Column("blind", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_by", sa.String(200), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("closed_by", sa.String(200), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_stocktakes_merchant_status", "stocktakes", ["merchant_id", "status", "id"])
    op.create_table(
        "stocktake_lines",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("merchant_id", Id, sa.ForeignKey("merchants.id"), nullable=False),
        sa.Column("stocktake_id", Id, sa.ForeignKey("stocktakes.id"), nullable=False),
        sa.Column("variant_id", Id, sa.ForeignKey("variants.id"), nullable=False),
        sa.Column("location_id", Id, sa.ForeignKey("locations.id"), nullable=False),
        sa.Column("inventory_type_id", Id, sa.ForeignKey("inventory_types.id"), nullable=False),
        sa.Column("expected", sa.Integer(), nullable=False),
        sa.Column("counted", sa.Integer(), nullable=True),
        sa.Column("counted_by", sa.String(200), nullable=True),
        sa.Column("counted_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint(
            "merchant_id",
            "stocktake_id",
            "variant_id",
            "location_id",
            "inventory_type_id",
            name="uq_stocktake_lines_item",
        ),
    )


def downgrade() -> None:
    op.drop_table("stocktake_lines")
    op.drop_index("ix_stocktakes_merchant_status", table_name="stocktakes")
    op.drop_table("stocktakes")
