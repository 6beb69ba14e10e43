"""variant_supplier_choice: a variant's own supplier choice rule, overriding its channels'

``variants.supplier_choice`` (nullable): ``priority``, ``most_available``, ``cheapest``, ``fastest``,
``reliable`` or ``own_first``; NULL: the variant follows each channel's allocation.

Revision ID: 0035
Revises: 0034
"""

import sqlalchemy as sa
from alembic import op

revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("variants") as batch:
        batch.add_column(sa.Column("supplier_choice", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("variants") as batch:
        batch.drop_column("supplier_choice")
