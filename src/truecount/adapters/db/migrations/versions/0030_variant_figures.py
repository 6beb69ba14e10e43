"""variant_figures: each variant's available figure and oversold levels, kept with its levels; trigram
indexes for the stock screen's contains-match on SKUs and product names (PostgreSQL)

The stock screen's "low" and "out of stock" filters summed every variant's levels (a correlated sum
for all variants: 2 s at 100,000 variants x 5 locations); they now read one indexed row a variant,
recomputed from the levels in the transaction that moves them (services/common/figures.py). Every
existing variant gets its row here, computed as that module computes it.

Revision ID: 0030
Revises: 0029
"""

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

BACKFILL = """
WITH RECURSIVE up(id, root) AS (
    SELECT id, id FROM locations WHERE parent_id IS NULL
    UNION ALL
    SELECT child.id, up.root FROM locations child JOIN up ON child.parent_id = up.id
), feeding AS (
    SELECT up.id FROM up JOIN locations own ON own.id = up.id JOIN locations top ON top.id = up.root
    WHERE own.saleable AND top.saleable
)
INSERT INTO variant_figures (merchant_id, variant_id, available, short_levels)
SELECT v.merchant_id, v.id,
       COALESCE(SUM(CASE WHEN s.location_id IN (SELECT id FROM feeding)
                          AND s.inventory_type_id IN (SELECT id FROM inventory_types WHERE sellable)
                         THEN s.on_hand - s.booked ELSE 0 END), 0),
       COALESCE(SUM(CASE WHEN s.booked > s.on_hand THEN 1 ELSE 0 END), 0)
FROM variants v LEFT JOIN stock_levels s ON s.merchant_id = v.merchant_id AND s.variant_id = v.id
GROUP BY v.merchant_id, v.id
"""


def upgrade() -> None:
    op.create_table(
        "variant_figures",
        sa.Column("merchant_id", Id, nullable=False),
        sa.Column("variant_id", Id, nullable=False),
        sa.Column("available", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("short_levels", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("merchant_id", "variant_id", name=op.f("pk_variant_figures")),
    )
    op.create_index(op.f("ix_variant_figures_merchant_available"), "variant_figures", ["merchant_id", "available"])
    op.create_index(
        op.f("ix_variant_figures_merchant_short_levels"), "variant_figures", ["merchant_id", "short_levels"]
    )
    op.execute(BACKFILL)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_variants_sku_trgm ON variants USING gin (lower(sku) gin_trgm_ops)")
        op.execute("CREATE INDEX ix_products_name_trgm ON products USING gin (lower(name) gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_products_name_trgm")
        op.execute("DROP INDEX IF EXISTS ix_variants_sku_trgm")
    op.drop_index(op.f("ix_variant_figures_merchant_short_levels"), table_name="variant_figures")
    op.drop_index(op.f("ix_variant_figures_merchant_available"), table_name="variant_figures")
    op.drop_table("variant_figures")
