"""Drop-ship suppliers and the variants they carry (their items, each with a unit cost)."""

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
    UniqueConstraint,
)

from .base import Id, metadata

suppliers = Table(
    "suppliers",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("merchant_id", Id, ForeignKey("merchants.id"), nullable=False),
    Column("code", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("email", String(254), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("location_id", Id, ForeignKey("locations.id"), nullable=False),  # the drop-ship location it stands behind
    Column("lead_days", Integer, nullable=False),
    Column("cutoff", String(5), nullable=True),  # HH:MM, orders after it leave the next day
    Column("po_send", String(8), nullable=False, server_default="now"),  # now, HH:MM or Nh (purchase orders)
    Column("created_at", DateTime(), nullable=False),
    CheckConstraint("lead_days >= 0", name="lead_days_not_negative"),
    UniqueConstraint("merchant_id", "code", name="uq_suppliers_merchant_code"),
    Index("ix_suppliers_merchant_location", "merchant_id", "location_id", unique=True),  # one supplier a location
)

supplier_items = Table(
    "supplier_items",
    metadata,
    Column("merchant_id", Id, ForeignKey("merchants.id"), primary_key=True),
    Column("supplier_id", Id, ForeignKey("suppliers.id"), primary_key=True),
    Column("variant_id", Id, ForeignKey("variants.id"), primary_key=True),
    Column("supplier_sku", String(128), nullable=True),
    Column("unit_cost", Numeric(14, 4), nullable=False),  # in the supplier's currency
    Column("case_size", Integer, nullable=False),
    Column("updated_at", DateTime(), nullable=False),
    # the supplier's feed said it no longer makes it: its location offers none
    Column("discontinued", Boolean, nullable=False, default=False),
    CheckConstraint("unit_cost >= 0", name="unit_cost_not_negative"),
    CheckConstraint("case_size > 0", name="case_size_positive"),
    Index("ix_supplier_items_merchant_variant", "merchant_id", "variant_id"),
)
