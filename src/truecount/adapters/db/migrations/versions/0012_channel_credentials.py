"""channel credentials and shared rate buckets

- ``channel_sync.auth_error`` / ``auth_failed_config``: why a channel waits for its credentials to be
  fixed, and a fingerprint of the settings that failed (new settings resume the channel at once).
- ``rate_buckets``: one token bucket per (merchant, channel, operation), kept in the database so what was
  spent outlives a rebuilt connector and is shared by every process that talks to the channel.

Revision ID: 0012
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0015"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("channel_sync") as batch:
        batch.add_column(sa.Column("auth_error", sa.Text(), nullable=True))
        batch.add_column(sa.Column("auth_failed_config", sa.String(64), nullable=True))
    op.create_table(
        "rate_buckets",
        sa.Column("merchant_id", Id, sa.ForeignKey("merchants.id"), primary_key=True),
        sa.Column("channel_id", Id, sa.ForeignKey("channels.id"), primary_key=True),
        sa.Column("operation", sa.String(64), primary_key=True),
        sa.Column("rate", sa.Float(), nullable=False),
        sa.Column("capacity", sa.Float(), nullable=False),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("stamp", sa.Float(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("rate_buckets")
    with op.batch_alter_table("channel_sync") as batch:
        batch.drop_column("auth_failed_config")
        batch.drop_column("auth_error")
