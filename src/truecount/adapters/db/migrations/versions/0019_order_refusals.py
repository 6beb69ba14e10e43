"""refused channel orders: channel_sync.orders_refused, last_refused_at, last_refusal

A signed webhook delivery or a polled order that does not match the channel's schema (or that the
orders service refuses) books nothing; the channel's sync status counts it and keeps the last reason.

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("channel_sync") as batch:
        batch.add_column(sa.Column("orders_refused", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("last_refused_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("last_refusal", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("channel_sync") as batch:
        batch.drop_column("last_refusal")
        batch.drop_column("last_refused_at")
        batch.drop_column("orders_refused")
