"""Channels, the locations that feed them, the inventory types they sell; the events outbox."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from .base import Id, Quantity, metadata

channels = Table(
    "channels",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("merchant_id", Id, ForeignKey("merchants.id"), nullable=False),
    Column("code", String(64), nullable=False),
    Column("kind", String(16), nullable=False),  # shopify, amazon, ebay, woocommerce, pos, manual
    Column("allocation", String(16), nullable=False, default="priority"),  # priority | most_available | cheapest
    Column("push_policy", String(16), nullable=False, default="immediate"),  # immediate | interval
    Column("push_interval_s", Float, nullable=False, default=600.0),
    Column("always_in_stock", Quantity, nullable=False, default=100),  # offered for non-tracked variants
    Column("config", Text, nullable=False, default="{}"),  # JSON: connector settings (base URL, shop, marketplace…)
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime(), nullable=False),
    UniqueConstraint("merchant_id", "code", name="uq_channels_merchant_code"),
)

channel_locations = Table(
    "channel_locations",
    metadata,
    Column("merchant_id", Id, ForeignKey("merchants.id"), primary_key=True),
    Column("channel_id", Id, ForeignKey("channels.id"), primary_key=True),
    Column("location_id", Id, ForeignKey("locations.id"), primary_key=True),
    # the location's place in the channel's list (0 first): breaks ties of equal location priority
    Column("position", Integer, nullable=False, default=0, server_default="0"),
    Index("ix_channel_locations_merchant_location", "merchant_id", "location_id"),
)

channel_inventory_types = Table(
    "channel_inventory_types",
    metadata,
    Column("merchant_id", Id, ForeignKey("merchants.id"), primary_key=True),
    Column("channel_id", Id, ForeignKey("channels.id"), primary_key=True),
    Column("inventory_type_id", Id, ForeignKey("inventory_types.id"), primary_key=True),
)

# Domain events for alerts and integrations (oversell incidents, tracker alerts…), appended
# in the transaction that caused them; consumers read by id.
events = Table(
    "events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("merchant_id", Id, ForeignKey("merchants.id"), nullable=False),
    Column("topic", String(64), nullable=False),
    Column("payload", Text, nullable=False),
    Column("at", DateTime(), nullable=False),
    Index("ix_events_merchant_topic_id", "merchant_id", "topic", "id"),
)
