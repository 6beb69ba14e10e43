"""Drop-ship purchase orders (one supplier each) and their lines (each a booking at the supplier's
location); the send schedule is a column of ``suppliers``."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from .base import Id, Quantity, metadata

purchase_orders = Table(
    "purchase_orders",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("merchant_id", Id, ForeignKey("merchants.id"), nullable=False),
    Column("supplier_id", Id, ForeignKey("suppliers.id"), nullable=False),
    Column("state", String(16), nullable=False),  # draft, sent, acknowledged, shipped, closed, cancelled
    Column("collecting", Boolean, nullable=False),  # a draft that takes the supplier's next lines
    Column("message_id", String(200), nullable=False),  # the Message-ID of its mail: a resend is the same mail
    Column("send_due_at", DateTime(), nullable=True),  # when the worker sends it (a draft)
    Column("claimed_until", DateTime(), nullable=True),  # a sender holds it until then
    Column("send_attempts", Integer, nullable=False),
    Column("send_error", String(500), nullable=True),  # the last failed send's reason
    Column("notice", String(16), nullable=True),  # amended / cancelled: the supplier still to be told
    Column("notices_sent", Integer, nullable=False),
    Column("created_at", DateTime(), nullable=False),
    Column("sent_at", DateTime(), nullable=True),
    Column("acknowledged_at", DateTime(), nullable=True),
    Column("shipped_at", DateTime(), nullable=True),
    Column("closed_at", DateTime(), nullable=True),
    Column("cancelled_at", DateTime(), nullable=True),
    Column("late_at", DateTime(), nullable=True),  # when it was first found late (the alert)
    Column("followed_up_at", DateTime(), nullable=True),  # the last follow-up mail
    CheckConstraint("send_attempts >= 0", name="send_attempts_not_negative"),
    Index("ix_purchase_orders_merchant_state_send_due_at", "merchant_id", "state", "send_due_at"),
    Index("ix_purchase_orders_merchant_supplier_state", "merchant_id", "supplier_id", "state"),
)

purchase_order_lines = Table(
    "purchase_order_lines",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("merchant_id", Id, ForeignKey("merchants.id"), nullable=False),
    Column("purchase_order_id", Id, ForeignKey("purchase_orders.id"), nullable=False),
    Column("booking_id", Id, nullable=False),  # the booking at the supplier's location it asks to ship
    Column("order_id", Id, nullable=False),
    Column("order_line_id", Id, nullable=False),
    Column("variant_id", Id, ForeignKey("variants.id"), nullable=False),
    Column("quantity", Quantity, nullable=False),
    Column("cancelled", Quantity, nullable=False),
    Column("shipped", Quantity, nullable=False),
    Column("unit_cost", Numeric(14, 4), nullable=True),  # the supplier's cost when it was asked
    Column("why", String(500), nullable=True),  # why this supplier (a 'cheapest' channel)
    CheckConstraint("quantity > 0", name="quantity_positive"),
    CheckConstraint("cancelled >= 0 AND shipped >= 0 AND cancelled + shipped <= quantity", name="within_quantity"),
    Index("ix_purchase_order_lines_merchant_po", "merchant_id", "purchase_order_id"),
    Index("ix_purchase_order_lines_merchant_booking", "merchant_id", "booking_id"),
)

po_mail_templates = Table(
    "po_mail_templates",
    metadata,
    Column("merchant_id", Id, ForeignKey("merchants.id"), primary_key=True),
    Column("name", String(16), primary_key=True),  # send, amend, cancel, follow-up
    Column("body", Text, nullable=False),  # a string.Template text, checked on save
    Column("updated_at", DateTime(), nullable=False),
)

# A supplier's shipment of (part of) one purchase order: one per (purchase order, tracking number) —
# the same tracking number again is the same shipment (a repeat of the request, the CSV or the mail).
shipments = Table(
    "shipments",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("merchant_id", Id, ForeignKey("merchants.id"), nullable=False),
    Column("purchase_order_id", Id, ForeignKey("purchase_orders.id"), nullable=False),
    Column("carrier", String(64), nullable=False),
    Column("tracking", String(128), nullable=False),
    Column("tracking_url", String(500), nullable=True),
    Column("source", String(16), nullable=False),  # cli, api, csv, mail, web
    Column("shipped_at", DateTime(), nullable=False),
    UniqueConstraint("merchant_id", "purchase_order_id", "tracking"),
)

shipment_lines = Table(
    "shipment_lines",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("merchant_id", Id, ForeignKey("merchants.id"), nullable=False),
    Column("shipment_id", Id, ForeignKey("shipments.id"), nullable=False),
    Column("purchase_order_line_id", Id, ForeignKey("purchase_order_lines.id"), nullable=False),
    Column("quantity", Quantity, nullable=False),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    Index("ix_shipment_lines_merchant_shipment", "merchant_id", "shipment_id"),
)

# Mails read from the purchase order inbox, each once: its Message-ID and what became of it.
inbox_messages = Table(
    "inbox_messages",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("message_id", String(300), nullable=False),
    Column("merchant_id", Id, ForeignKey("merchants.id"), nullable=True),  # the purchase order's, when found
    Column("outcome", String(16), nullable=False),  # shipped, acknowledged, unread
    Column("detail", String(500), nullable=True),
    Column("read_at", DateTime(), nullable=False),
    UniqueConstraint("message_id"),
)
