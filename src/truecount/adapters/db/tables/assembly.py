"""Work orders: building so many of a kit at one location, and the components they hold."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, DateTime, ForeignKey, Index, Numeric, String, Table

from .base import Id, Quantity, metadata

# A work order builds ``quantity`` of a kit (``variant_id``) at ``location_id``. ``produced`` and
# ``scrapped`` count the kits' worth completed so far; status: draft, released, in_progress, done,
# cancelled.
work_orders = Table(
    "work_orders",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("merchant_id", Id, ForeignKey("merchants.id"), nullable=False),
    Column("variant_id", Id, ForeignKey("variants.id"), nullable=False),
    Column("location_id", Id, ForeignKey("locations.id"), nullable=False),
    Column("quantity", Quantity, nullable=False),
    Column("produced", Quantity, nullable=False, default=0),
    Column("scrapped", Quantity, nullable=False, default=0),
    # Components consumed so far at their known cost; NULL: unknown, ``cost_unknown`` says why.
    Column("consumed_cost", Numeric(28, 4), nullable=True, default=0),
    Column("cost_unknown", String(300), nullable=True),
    Column("status", String(16), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_at", DateTime(), nullable=False),
    Column("updated_at", DateTime(), nullable=False),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    CheckConstraint("produced >= 0 AND scrapped >= 0", name="done_not_negative"),
    CheckConstraint("produced + scrapped <= quantity", name="done_at_most_ordered"),
    Index("ix_work_orders_merchant_status", "merchant_id", "status", "id"),
)

# Components a released work order holds at one (location, inventory type): ``per_kit`` units for
# each kit (the bill of materials when it was released), ``quantity`` booked; each unit is
# resolved at most once, consumed or released.
work_order_holds = Table(
    "work_order_holds",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("merchant_id", Id, ForeignKey("merchants.id"), nullable=False),
    Column("work_order_id", Id, ForeignKey("work_orders.id"), nullable=False),
    Column("variant_id", Id, ForeignKey("variants.id"), nullable=False),
    Column("location_id", Id, ForeignKey("locations.id"), nullable=False),
    Column("inventory_type_id", Id, ForeignKey("inventory_types.id"), nullable=False),
    Column("per_kit", Quantity, nullable=False),
    Column("quantity", Quantity, nullable=False),
    Column("consumed", Quantity, nullable=False, default=0),
    Column("released", Quantity, nullable=False, default=0),
    CheckConstraint("quantity > 0 AND per_kit > 0", name="quantity_positive"),
    CheckConstraint("consumed >= 0 AND released >= 0", name="resolved_not_negative"),
    CheckConstraint("consumed + released <= quantity", name="resolved_at_most_once"),
    Index("ix_work_order_holds_merchant_order", "merchant_id", "work_order_id"),
)
