"""Orders, their lines, the bookings that hold stock for them, backorders and oversell incidents."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from .base import Id, Quantity, metadata

# No foreign keys from orders, order_lines and bookings, to the catalogue (merchants, channels,
# variants, locations, inventory types; migration 0008) nor from a line to its order and a booking
# to its line (0009): a per-row check on every booking, for parents written (or looked up) in the
# same transaction as their children. verify's orphan audit is the backstop (services.orphans,
# docs/architecture.md). Backorders and incidents keep theirs: they are off the hot path.
orders = Table(
    "orders",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("merchant_id", Id, nullable=False),
    Column("channel_id", Id, nullable=False),
    Column("external_id", String(200), nullable=False),
    Column("strict", Boolean, nullable=False, default=False),
    Column("status", String(24), nullable=False),  # open, fulfilled, cancelled
    Column("created_at", DateTime(), nullable=False),
    Column("updated_at", DateTime(), nullable=False),
    # One order per (channel, external id), however often the channel delivers it.
    UniqueConstraint("merchant_id", "channel_id", "external_id", name="uq_orders_merchant_channel_external"),
    Index("ix_orders_merchant_status_created", "merchant_id", "status", "created_at"),
)

order_lines = Table(
    "order_lines",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("merchant_id", Id, nullable=False),
    Column("order_id", Id, nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("variant_id", Id, nullable=False),
    Column("quantity", Quantity, nullable=False),
    Column("fulfilled", Quantity, nullable=False, default=0),
    Column("cancelled", Quantity, nullable=False, default=0),
    Column("returned", Quantity, nullable=False, default=0),
    Index("ix_order_lines_merchant_order", "merchant_id", "order_id"),
    Index("ix_order_lines_merchant_variant", "merchant_id", "variant_id"),
)

# Stock held for a line at one location and type. ``variant_id`` is the line's variant, or a
# component of it when the line is a bundle. Resolved at most once per unit: shipped or released.
bookings = Table(
    "bookings",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("merchant_id", Id, nullable=False),
    Column("order_line_id", Id, nullable=False),
    Column("variant_id", Id, nullable=False),
    Column("location_id", Id, nullable=False),
    Column("inventory_type_id", Id, nullable=False),
    Column("quantity", Quantity, nullable=False),
    Column("shipped", Quantity, nullable=False, default=0),
    Column("released", Quantity, nullable=False, default=0),
    Column("created_at", DateTime(), nullable=False),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    CheckConstraint("shipped >= 0 AND released >= 0", name="resolved_not_negative"),
    CheckConstraint("shipped + released <= quantity", name="resolved_at_most_once"),
    Index("ix_bookings_merchant_line", "merchant_id", "order_line_id"),
    Index("ix_bookings_merchant_level", "merchant_id", "variant_id", "location_id", "inventory_type_id"),
)

# Units owed to a line that no saleable location could cover (an oversell, or a pre-order).
backorders = Table(
    "backorders",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("merchant_id", Id, ForeignKey("merchants.id"), nullable=False),
    Column("order_line_id", Id, ForeignKey("order_lines.id"), nullable=False),
    Column("variant_id", Id, ForeignKey("variants.id"), nullable=False),
    Column("quantity", Quantity, nullable=False),
    Column("allocated", Quantity, nullable=False, default=0),
    Column("cancelled", Quantity, nullable=False, default=0),
    Column("preorder", Boolean, nullable=False, default=False),
    Column("created_at", DateTime(), nullable=False),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    CheckConstraint("allocated >= 0 AND cancelled >= 0", name="settled_not_negative"),
    CheckConstraint("allocated + cancelled <= quantity", name="settled_at_most_once"),
    Index("ix_backorders_merchant_variant_open", "merchant_id", "variant_id", "id"),
    Index("ix_backorders_merchant_line", "merchant_id", "order_line_id"),  # a line's backorders (0010)
)

incidents = Table(
    "incidents",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("merchant_id", Id, ForeignKey("merchants.id"), nullable=False),
    Column("kind", String(24), nullable=False),  # oversell
    Column("order_id", Id, ForeignKey("orders.id"), nullable=False),
    Column("order_line_id", Id, ForeignKey("order_lines.id"), nullable=False),
    Column("variant_id", Id, ForeignKey("variants.id"), nullable=False),
    Column("channel_id", Id, ForeignKey("channels.id"), nullable=False),
    Column("quantity", Quantity, nullable=False),
    Column("cause", String(200), nullable=False),
    Column("created_at", DateTime(), nullable=False),
    Index("ix_incidents_merchant_created", "merchant_id", "created_at"),
)
