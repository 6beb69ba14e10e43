"""variant_supplier_choice: a variant's own supplier choice rule, overriding its channels'

``variant_supplier_choices`` holds one row per variant that has a rule of its own (``priority``,
``most_available``, ``cheapest``, ``fastest``, ``reliable`` or ``own_first``); a variant without a row
follows each channel's allocation. Few rows are expected: the channels' facts digest every row.

Revision ID: 0031
Revises: 0030
"""

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "variant_supplier_choices",
        sa.Column("merchant_id", Id, sa.ForeignKey("merchants.id"), primary_key=True),
        sa.Column("variant_id", Id, sa.ForeignKey("variants.id"), primary_key=True),
        sa.Column("rule", sa.String(16), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("variant_supplier_choices")
