"""a price per listing by rule: listings.price_rule (JSON), offers.price (the computed price, pushed)

Revision ID: 0028
Revises: 0027
"""

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("listings") as batch:
        batch.add_column(sa.Column("price_rule", sa.Text(), nullable=True))
    with op.batch_alter_table("offers") as batch:
        batch.add_column(sa.Column("price", sa.Numeric(14, 2), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("offers") as batch:
        batch.drop_column("price")
    with op.batch_alter_table("listings") as batch:
        batch.drop_column("price_rule")
