"""Tables for listings, rules, offered quantities (migration 0004_offers).

- ``listings``: one channel listing reference ↔ one variant. ``external_ref`` is the text the
  channel's connector addresses (Shopify ``ITEM@LOCATION``, Amazon seller SKU, eBay SKU,
  WooCommerce ``PRODUCT`` or ``PRODUCT/VARIATION``); ``ref_detail`` the structured form (JSON).
- ``channel_rules``: at most one quantity rule per (channel, variant).
- ``offers``: the offered quantity of every listed (channel, variant), when it last changed and why.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Index, Numeric, String, Table, Text, UniqueConstraint

from .base import Id, Quantity, metadata

listings = Table(
    "listings",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("merchant_id", Id, ForeignKey("merchants.id"), nullable=False),
    Column("channel_id", Id, ForeignKey("channels.id"), nullable=False),
    Column("variant_id", Id, ForeignKey("variants.id"), nullable=False),
    Column("external_ref", String(300), nullable=False),
    Column("ref_detail", Text, nullable=False, default="{}"),
    Column("created_at", DateTime(), nullable=False),
    UniqueConstraint("merchant_id", "channel_id", "variant_id", name="uq_listings_merchant_channel_variant"),
    UniqueConstraint("merchant_id", "channel_id", "external_ref", name="uq_listings_merchant_channel_ref"),
    Index("ix_listings_merchant_variant", "merchant_id", "variant_id"),
)

channel_rules = Table(
    "channel_rules",
    metadata,
    Column("merchant_id", Id, ForeignKey("merchants.id"), primary_key=True),
    Column("channel_id", Id, ForeignKey("channels.id"), primary_key=True),
    Column("variant_id", Id, ForeignKey("variants.id"), primary_key=True),
    Column("kind", String(16), nullable=False),  # reserve, stop_sell, prebook, percent, fixed, cap
    Column("quantity", Quantity, nullable=True),
    Column("percent", Numeric(6, 2), nullable=True),
    Column("location_id", Id, ForeignKey("locations.id"), nullable=True),  # percent of one location
    Column("reserve", Quantity, nullable=True),  # optional modifier of a percent rule
    Column("cap", Quantity, nullable=True),  # optional modifier of a percent or reserve rule
    Column("updated_at", DateTime(), nullable=False),
)

offers = Table(
    "offers",
    metadata,
    Column("merchant_id", Id, ForeignKey("merchants.id"), primary_key=True),
    Column("channel_id", Id, ForeignKey("channels.id"), primary_key=True),
    Column("variant_id", Id, ForeignKey("variants.id"), primary_key=True),
    Column("listing_id", Id, ForeignKey("listings.id"), nullable=False),
    Column("quantity", Quantity, nullable=False),
    Column("explain", Text, nullable=False),  # JSON: why the quantity became what it is
    Column("changed_at", DateTime(), nullable=False),
)
