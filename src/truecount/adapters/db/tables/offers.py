"""Tables for listings, rules, offered quantities (migrations 0004_offers, 0024_several_listings, 0038_offer_writes).

- ``listings``: one channel listing reference → one variant; a variant may have several listings on
  one channel. ``external_ref`` is the text the channel's connector addresses (Shopify
  ``ITEM@LOCATION``, Amazon seller SKU, eBay SKU, WooCommerce ``PRODUCT`` or ``PRODUCT/VARIATION``);
  ``ref_detail`` the structured form (JSON); ``units_per_sale`` how many units one sale takes (a
  multi-pack); ``steps`` the listing's own quantity rule (JSON list of steps; NULL: the channel's
  rule for the variant); ``price_rule`` its price rule (JSON, migration 0028; NULL: no price).
- ``channel_rules``: at most one quantity rule per (channel, variant).
- ``offers``: the offered quantity (and price) of every listing, when it last changed and why. No
  foreign keys (migration 0038: verify's orphan audit checks them) and half-full pages on PostgreSQL,
  so that rewriting an offer keeps the new version on its page.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, Numeric, String, Table, Text, UniqueConstraint

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
    Column("units_per_sale", Integer, nullable=False, server_default="1"),
    Column("steps", Text, nullable=True),
    Column("price_rule", Text, nullable=True),  # JSON (domain.pricing); NULL: no price is set or pushed
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
    Column("merchant_id", Id, primary_key=True),
    Column("listing_id", Id, primary_key=True),
    Column("channel_id", Id, nullable=False),
    Column("variant_id", Id, nullable=False),
    Column("quantity", Quantity, nullable=False),
    Column("explain", Text, nullable=False),  # JSON: why the quantity (and price) became what it is
    Column("price", Numeric(14, 2), nullable=True),  # by the listing's price rule; NULL: none
    Column("changed_at", DateTime(), nullable=False),
    postgresql_with={"fillfactor": 50},
)
