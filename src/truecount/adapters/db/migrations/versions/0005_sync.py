"""push queue, sync state, connector cursors

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Big = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"))


def upgrade() -> None:
    op.create_table(
        "push_queue",
        sa.Column("merchant_id", Id, nullable=False),
        sa.Column("listing_id", Id, nullable=False),
        sa.Column("channel_id", Id, nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("version", Big, nullable=False),
        sa.Column("queued_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_until", sa.DateTime(), nullable=True),
        _fk("push_queue", "merchant_id", "merchants"),
        _fk("push_queue", "channel_id", "channels"),
        sa.PrimaryKeyConstraint("merchant_id", "listing_id", name=op.f("pk_push_queue")),
    )
    op.create_index(
        "ix_push_queue_merchant_channel_due", "push_queue", ["merchant_id", "channel_id", "next_attempt_at"]
    )
    op.create_table(
        "listing_sync",
        sa.Column("merchant_id", Id, nullable=False),
        sa.Column("listing_id", Id, nullable=False),
        sa.Column("channel_id", Id, nullable=False),
        sa.Column("pushed_quantity", sa.Integer(), nullable=True),
        sa.Column("pushed_version", Big, nullable=True),
        sa.Column("pushed_at", sa.DateTime(), nullable=True),
        sa.Column("channel_quantity", sa.Integer(), nullable=True),
        sa.Column("read_at", sa.DateTime(), nullable=True),
        _fk("listing_sync", "merchant_id", "merchants"),
        _fk("listing_sync", "channel_id", "channels"),
        sa.PrimaryKeyConstraint("merchant_id", "listing_id", name=op.f("pk_listing_sync")),
    )
    op.create_index("ix_listing_sync_merchant_channel", "listing_sync", ["merchant_id", "channel_id"])
    op.create_table(
        "channel_sync",
        sa.Column("merchant_id", Id, nullable=False),
        sa.Column("channel_id", Id, nullable=False),
        sa.Column("order_cursor", sa.Text(), nullable=True),
        sa.Column("last_batch_at", sa.DateTime(), nullable=True),
        sa.Column("last_success_at", sa.DateTime(), nullable=True),
        sa.Column("last_failure_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("paused_until", sa.DateTime(), nullable=True),
        sa.Column("last_poll_at", sa.DateTime(), nullable=True),
        sa.Column("last_reconcile_at", sa.DateTime(), nullable=True),
        sa.Column("pushed_total", Big, nullable=False),
        _fk("channel_sync", "merchant_id", "merchants"),
        _fk("channel_sync", "channel_id", "channels"),
        sa.PrimaryKeyConstraint("merchant_id", "channel_id", name=op.f("pk_channel_sync")),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("merchant_id", Id, nullable=False),
        sa.Column("channel_id", Id, nullable=False),
        sa.Column("delivery_id", sa.String(length=128), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        _fk("webhook_deliveries", "merchant_id", "merchants"),
        _fk("webhook_deliveries", "channel_id", "channels"),
        sa.PrimaryKeyConstraint("merchant_id", "channel_id", "delivery_id", name=op.f("pk_webhook_deliveries")),
    )
    op.create_table(
        "channel_order_events",
        sa.Column("merchant_id", Id, nullable=False),
        sa.Column("channel_id", Id, nullable=False),
        sa.Column("event_id", sa.String(length=160), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        _fk("channel_order_events", "merchant_id", "merchants"),
        _fk("channel_order_events", "channel_id", "channels"),
        sa.PrimaryKeyConstraint("merchant_id", "channel_id", "event_id", name=op.f("pk_channel_order_events")),
    )


def downgrade() -> None:
    op.drop_table("channel_order_events")
    op.drop_table("webhook_deliveries")
    op.drop_table("channel_sync")
    op.drop_index("ix_listing_sync_merchant_channel", table_name="listing_sync")
    op.drop_table("listing_sync")
    op.drop_index("ix_push_queue_merchant_channel_due", table_name="push_queue")
    op.drop_table("push_queue")
