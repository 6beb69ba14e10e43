"""Tables for push queue, sync state, connector cursors (migration 0005_sync).

- ``push_queue``: one row per listing with a value still to send (coalescing: a newer offered
  quantity overwrites the row and bumps ``version``); claimed by a worker for a lease. No foreign
  keys and half-full pages on PostgreSQL (migration 0038, as ``offers``).
- ``listing_sync``: what was last pushed to each listing and what the channel last showed.
- ``channel_sync``: per channel: order-poll cursor, last batch, last success, failures, pause, and a
  credentials pause (``auth_error``, the fingerprint of the settings that failed) (0012); how many
  channel orders were refused (a malformed payload, a refusal of the orders service) and the last
  reason (0019).
- ``rate_buckets``: per channel and operation, the token bucket every process shares (0012).
- ``webhook_deliveries`` and ``channel_order_events``: what was already received, for dedupe.
- ``fulfilment_outbox``: fulfilments (shipments with tracking) to push to a channel, one row per
  idempotency key, kept after the push with its outcome (``queued`` → ``pushed`` or ``refused``) (0031).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, DateTime, Float, ForeignKey, Index, Integer, String, Table, Text

from .base import Id, Quantity, metadata

Version = BigInteger().with_variant(Integer(), "sqlite")

push_queue = Table(
    "push_queue",
    metadata,
    Column("merchant_id", Id, primary_key=True),
    Column("listing_id", Id, primary_key=True),
    Column("channel_id", Id, nullable=False),
    Column("quantity", Quantity, nullable=False),
    Column("version", Version, nullable=False),
    Column("queued_at", DateTime(), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", DateTime(), nullable=False),
    Column("last_error", Text, nullable=True),
    Column("claimed_by", String(64), nullable=True),
    Column("claimed_until", DateTime(), nullable=True),
    Index("ix_push_queue_merchant_channel_due", "merchant_id", "channel_id", "next_attempt_at"),
    postgresql_with={"fillfactor": 50},
)

listing_sync = Table(
    "listing_sync",
    metadata,
    Column("merchant_id", Id, ForeignKey("merchants.id"), primary_key=True),
    Column("listing_id", Id, primary_key=True),
    Column("channel_id", Id, ForeignKey("channels.id"), nullable=False),
    Column("pushed_quantity", Quantity, nullable=True),
    Column("pushed_version", Version, nullable=True),
    Column("pushed_at", DateTime(), nullable=True),
    Column("channel_quantity", Quantity, nullable=True),
    Column("read_at", DateTime(), nullable=True),
    Index("ix_listing_sync_merchant_channel", "merchant_id", "channel_id"),
)

channel_sync = Table(
    "channel_sync",
    metadata,
    Column("merchant_id", Id, ForeignKey("merchants.id"), primary_key=True),
    Column("channel_id", Id, ForeignKey("channels.id"), primary_key=True),
    Column("order_cursor", Text, nullable=True),
    Column("last_batch_at", DateTime(), nullable=True),
    Column("last_success_at", DateTime(), nullable=True),
    Column("last_failure_at", DateTime(), nullable=True),
    Column("last_error", Text, nullable=True),
    Column("consecutive_failures", Integer, nullable=False),
    Column("paused_until", DateTime(), nullable=True),
    Column("last_poll_at", DateTime(), nullable=True),
    Column("last_reconcile_at", DateTime(), nullable=True),
    Column("pushed_total", BigInteger().with_variant(Integer(), "sqlite"), nullable=False),
    Column("auth_error", Text, nullable=True),
    Column("auth_failed_config", String(64), nullable=True),
    Column("orders_refused", Integer, nullable=False, server_default="0"),
    Column("last_refused_at", DateTime(), nullable=True),
    Column("last_refusal", Text, nullable=True),
)

rate_buckets = Table(
    "rate_buckets",
    metadata,
    Column("merchant_id", Id, ForeignKey("merchants.id"), primary_key=True),
    Column("channel_id", Id, ForeignKey("channels.id"), primary_key=True),
    Column("operation", String(64), primary_key=True),
    Column("rate", Float, nullable=False),  # tokens per second
    Column("capacity", Float, nullable=False),
    Column("tokens", Float, nullable=False),
    Column("stamp", Float, nullable=False),  # when ``tokens`` was counted (seconds since the epoch)
    Column("version", Integer, nullable=False),  # bumped by every write: a compare-and-set
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("merchant_id", Id, ForeignKey("merchants.id"), primary_key=True),
    Column("channel_id", Id, ForeignKey("channels.id"), primary_key=True),
    Column("delivery_id", String(128), primary_key=True),
    Column("topic", String(64), nullable=False),
    Column("received_at", DateTime(), nullable=False),
)

channel_order_events = Table(
    "channel_order_events",
    metadata,
    Column("merchant_id", Id, ForeignKey("merchants.id"), primary_key=True),
    Column("channel_id", Id, ForeignKey("channels.id"), primary_key=True),
    Column("event_id", String(160), primary_key=True),
    Column("external_id", String(128), nullable=False),
    Column("event", String(16), nullable=False),
    Column("received_at", DateTime(), nullable=False),
)

fulfilment_outbox = Table(
    "fulfilment_outbox",
    metadata,
    Column("merchant_id", Id, ForeignKey("merchants.id"), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("channel_id", Id, ForeignKey("channels.id"), nullable=False),
    Column("order_ref", String(128), nullable=False),
    Column("carrier", String(100), nullable=False),
    Column("tracking", String(100), nullable=False),
    Column("tracking_url", String(500), nullable=True),
    Column("lines", Text, nullable=False),  # JSON: [{"sku", "quantity", "ref"}]
    Column("complete", Boolean, nullable=False),
    Column("state", String(16), nullable=False),  # queued | pushed | refused
    Column("queued_at", DateTime(), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", DateTime(), nullable=False),
    Column("last_error", Text, nullable=True),
    Column("attempted_at", DateTime(), nullable=True),
    Column("claimed_by", String(64), nullable=True),
    Column("claimed_until", DateTime(), nullable=True),
    Column("done_at", DateTime(), nullable=True),
    Index(
        "ix_fulfilment_outbox_merchant_channel_state_next_attempt_at",
        "merchant_id",
        "channel_id",
        "state",
        "next_attempt_at",
    ),
)
