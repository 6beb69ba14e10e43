"""fulfilment_outbox: fulfilments (shipments with tracking) to push to a channel

One row per (merchant, idempotency key): queued once, then pushed or refused exactly once, kept with
its outcome. The worker claims due rows per channel for a lease, as it does the push queue.

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
        "fulfilment_outbox",
        sa.Column(
            "merchant_id",
            Id,
            sa.ForeignKey("merchants.id", name=op.f("fk_fulfilment_outbox_merchant_id_merchants")),
            nullable=False,
        ),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column(
            "channel_id",
            Id,
            sa.ForeignKey("channels.id", name=op.f("fk_fulfilment_outbox_channel_id_channels")),
            nullable=False,
        ),
        sa.Column("order_ref", sa.String(128), nullable=False),
        sa.Column("carrier", sa.String(100), nullable=False),
        sa.Column("tracking", sa.String(100), nullable=False),
        sa.Column("tracking_url", sa.String(500), nullable=True),
        sa.Column("lines", sa.Text(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("queued_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("attempted_at", sa.DateTime(), nullable=True),
        sa.Column("claimed_by", sa.String(64), nullable=True),
        sa.Column("claimed_until", sa.DateTime(), nullable=True),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("merchant_id", "key", name=op.f("pk_fulfilment_outbox")),
    )
    op.create_index(
        op.f("ix_fulfilment_outbox_merchant_channel_state_next_attempt_at"),
        "fulfilment_outbox",
        ["merchant_id", "channel_id", "state", "next_attempt_at"],
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_fulfilment_outbox_merchant_channel_state_next_attempt_at"), table_name="fulfilment_outbox")
    op.drop_table("fulfilment_outbox")
