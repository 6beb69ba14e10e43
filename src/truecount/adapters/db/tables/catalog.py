"""Merchants, products, variants, barcodes, bundle components, locations, inventory types, lots."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from .base import Id, Quantity, metadata

merchants = Table(
    "merchants",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("created_at", DateTime(), nullable=False),
)

products = Table(
    "products",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("merchant_id", Id, ForeignKey("merchants.id"), nullable=False),
    Column("name", String(300), nullable=False),
    Column("created_at", DateTime(), nullable=False),
    Index("ix_products_merchant_name", "merchant_id", "name"),
)

variants = Table(
    "variants",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("merchant_id", Id, ForeignKey("merchants.id"), nullable=False),
    Column("product_id", Id, ForeignKey("products.id"), nullable=False),
    Column("sku", String(128), nullable=False),
    Column("options", Text, nullable=False, default="{}"),  # JSON object: {"size": "M", "colour": "blue"}
    Column("tracked", Boolean, nullable=False, default=True),
    Column("discontinued", Boolean, nullable=False, default=False),
    Column("sellable_from", Date, nullable=True),
    Column("is_bundle", Boolean, nullable=False, default=False),  # booked and offered through its components
    # A bill of materials (bundle_components) sold: virtual (from its components, as a bundle), ahead
    # (only what was assembled) or both (assembled first, then from components); NULL: no bill.
    Column("assembly", String(8), nullable=True),
    Column("for_sale", Boolean, nullable=False, default=True),  # False: counted and booked, never offered
    # A kit built ahead and to order: the location (id) its work orders are created at when orders owe it.
    Column("build_at", Id, nullable=True),
    Column("unit_cost", Numeric(14, 4), nullable=True),  # what a unit costs the merchant; NULL: not set
    Column("supplier_choice", String(16), nullable=True),  # its own supplier choice rule; NULL: the channel's
    CheckConstraint("unit_cost >= 0", name="unit_cost_not_negative"),
    Column("created_at", DateTime(), nullable=False),
    UniqueConstraint("merchant_id", "sku", name="uq_variants_merchant_sku"),
    Index("ix_variants_merchant_product", "merchant_id", "product_id"),
    Index("ix_variants_merchant_is_bundle", "merchant_id", "is_bundle"),
)

barcodes = Table(
    "barcodes",
    metadata,
    Column("merchant_id", Id, ForeignKey("merchants.id"), primary_key=True),
    Column("code", String(128), primary_key=True),
    Column("variant_id", Id, ForeignKey("variants.id"), nullable=False),
    Index("ix_barcodes_merchant_variant", "merchant_id", "variant_id"),
)

bundle_components = Table(
    "bundle_components",
    metadata,
    Column("merchant_id", Id, ForeignKey("merchants.id"), primary_key=True),
    Column("bundle_id", Id, ForeignKey("variants.id"), primary_key=True),
    Column("component_id", Id, ForeignKey("variants.id"), primary_key=True),
    Column("quantity", Quantity, nullable=False),
    Index("ix_bundle_components_merchant_component", "merchant_id", "component_id"),
)

locations = Table(
    "locations",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("merchant_id", Id, ForeignKey("merchants.id"), nullable=False),
    Column("code", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("parent_id", Id, ForeignKey("locations.id"), nullable=True),
    Column("saleable", Boolean, nullable=False, default=True),
    Column("priority", Integer, nullable=False, default=100),
    Column("created_at", DateTime(), nullable=False),
    # saleable, and so is its top-level location (domain.places.feeding): kept by the location writers
    Column("feeds", Boolean, nullable=False, server_default=false()),
    UniqueConstraint("merchant_id", "code", name="uq_locations_merchant_code"),
)

inventory_types = Table(
    "inventory_types",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("merchant_id", Id, ForeignKey("merchants.id"), nullable=False),
    Column("code", String(64), nullable=False),
    Column("sellable", Boolean, nullable=False, default=True),
    UniqueConstraint("merchant_id", "code", name="uq_inventory_types_merchant_code"),
)

lots = Table(
    "lots",
    metadata,
    Column("merchant_id", Id, ForeignKey("merchants.id"), primary_key=True),
    Column("variant_id", Id, ForeignKey("variants.id"), primary_key=True),
    Column("code", String(128), primary_key=True),
    Column("expires_on", Date, nullable=True),
    Index("ix_lots_merchant_expires_on", "merchant_id", "expires_on"),
)
