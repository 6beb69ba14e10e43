"""substitutes: per variant, an ordered list of other variants that may ship when it runs short

- ``variant_substitutes``: keyed (merchant, variant, substitute), tried in ``position`` order (unique
  per variant); ``ratio`` units of the substitute per unit ordered (> 0); ``channels`` a JSON list of
  the channel ids that allow it (NULL: every channel); ``notify`` whether the customer must be told.

Revision ID: 0023
Revises: 0022
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "variant_substitutes",
        sa.Column("merchant_id", Id, sa.ForeignKey("merchants.id"), primary_key=True),
        sa.Column("variant_id", Id, sa.ForeignKey("variants.id"), primary_key=True),
        sa.Column("substitute_id", Id, sa.ForeignKey("variants.id"), primary_key=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("ratio", sa.Integer(), nullable=False),
        sa.Column("channels", sa.Text(), nullable=True),
        sa.Column("notify", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("ratio > 0", name="ratio_positive"),
        sa.CheckConstraint("substitute_id <> variant_id", name="not_itself"),
    )
    op.create_index(
        "ix_variant_substitutes_merchant_variant_position",
        "variant_substitutes",
        ["merchant_id", "variant_id", "position"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("ix_variant_substitutes_merchant_variant_position", table_name="variant_substitutes")
    op.drop_table("variant_substitutes")
