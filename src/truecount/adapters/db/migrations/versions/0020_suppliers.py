"""suppliers: drop-ship suppliers as records, and the variants each carries at a unit cost

- ``suppliers``: code, name, e-mail, currency, the drop-ship location the supplier stands behind,
  lead time in days and an optional order cut-off time (HH:MM).
- ``supplier_items``: per supplier and variant, the supplier's own SKU, the unit cost (in the
  supplier's currency) and the case size; several suppliers may carry one variant.

Revision ID: 0020
Revises: 0019
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "suppliers",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("merchant_id", Id, sa.ForeignKey("merchants.id"), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("location_id", Id, sa.ForeignKey("locations.id"), nullable=False),
        sa.Column("lead_days", sa.Integer(), nullable=False),
        sa.Column("cutoff", sa.String(5), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("lead_days >= 0", name="lead_days_not_negative"),
        sa.UniqueConstraint("merchant_id", "code", name="uq_suppliers_merchant_code"),
    )
    op.create_index("ix_suppliers_merchant_location", "suppliers", ["merchant_id", "location_id"])
    op.create_table(
        "supplier_items",
        sa.Column("merchant_id", Id, sa.ForeignKey("merchants.id"), primary_key=True),
        sa.Column("supplier_id", Id, sa.ForeignKey("suppliers.id"), primary_key=True),
        sa.Column("variant_id", Id, sa.ForeignKey("variants.id"), primary_key=True),
        sa.Column("supplier_sku", sa.String(128), nullable=True),
        sa.Column("unit_cost", sa.Numeric(14, 4), nullable=False),
        sa.Column("case_size", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("unit_cost >= 0", name="unit_cost_not_negative"),
        sa.CheckConstraint("case_size > 0", name="case_size_positive"),
    )
    op.create_index("ix_supplier_items_merchant_variant", "supplier_items", ["merchant_id", "variant_id"])


def downgrade() -> None:
    op.drop_index("ix_supplier_items_merchant_variant", table_name="supplier_items")
    op.drop_table("supplier_items")
    op.drop_index("ix_suppliers_merchant_location", table_name="suppliers")
    op.drop_table("suppliers")
