"""Stocktakes: a count of a location (or some of its bins) in progress, its lines, and its approval."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Index, String, Table, UniqueConstraint

from .base import Id, Quantity, metadata

stocktakes = Table(
    "stocktakes",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("merchant_id", Id, ForeignKey("merchants.id"), nullable=False),
    Column("location_id", Id, ForeignKey("locations.id"), nullable=False),
    Column("places", String(2000), nullable=False),  # JSON list of the location ids counted (the location, bins)
    Column("blind", Boolean, nullable=False, default=False),
    Column("status", String(16), nullable=False),  # counting, approved, cancelled
    Column("started_by", String(200), nullable=False),
    Column("started_at", DateTime(), nullable=False),
    Column("closed_by", String(200), nullable=True),
    Column("closed_at", DateTime(), nullable=True),
    Index("ix_stocktakes_merchant_status", "merchant_id", "status", "id"),
)

# One line per variant, place (the location or a bin) and inventory type. ``expected`` is the
# recorded on-hand when the line was last counted (at the start for lines not yet counted);
# ``counted`` stays NULL until someone counts it.
stocktake_lines = Table(
    "stocktake_lines",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("merchant_id", Id, ForeignKey("merchants.id"), nullable=False),
    Column("stocktake_id", Id, ForeignKey("stocktakes.id"), nullable=False),
    Column("variant_id", Id, ForeignKey("variants.id"), nullable=False),
    Column("location_id", Id, ForeignKey("locations.id"), nullable=False),
    Column("inventory_type_id", Id, ForeignKey("inventory_types.id"), nullable=False),
    Column("expected", Quantity, nullable=False),
    Column("counted", Quantity, nullable=True),
    Column("counted_by", String(200), nullable=True),
    Column("counted_at", DateTime(), nullable=True),
    UniqueConstraint(
        "merchant_id", "stocktake_id", "variant_id", "location_id", "inventory_type_id", name="uq_stocktake_lines_item"
    ),
)
