"""Substitutes: per variant, an ordered list of other variants that may ship when it runs short."""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, Column, DateTime, ForeignKey, Index, Integer, Table, Text

from .base import Id, Quantity, metadata

# One row per (variant, substitute), tried in ``position`` order (lower first). ``ratio``: units of the
# substitute shipped per unit ordered. ``channels``: a JSON list of the channel ids that allow it, NULL
# for every channel. ``notify``: the customer must be told when it ships instead.
variant_substitutes = Table(
    "variant_substitutes",
    metadata,
    Column("merchant_id", Id, ForeignKey("merchants.id"), primary_key=True),
    Column("variant_id", Id, ForeignKey("variants.id"), primary_key=True),
    Column("substitute_id", Id, ForeignKey("variants.id"), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("ratio", Integer, nullable=False),
    Column("channels", Text, nullable=True),
    Column("notify", Boolean, nullable=False),
    Column("created_at", DateTime(), nullable=False),
    CheckConstraint("ratio > 0", name="ratio_positive"),
    CheckConstraint("substitute_id <> variant_id", name="not_itself"),
    Index("ix_variant_substitutes_merchant_variant_position", "merchant_id", "variant_id", "position", unique=True),
)

# An order line shipped as a substitute (at most one per line: a line is taken whole from one
# variant): the variant shipped, how many of it (the line's quantity × ``ratio``), why, and whether
# the customer must be told. Written in the booking's transaction; the line's bookings hold it.
line_substitutions = Table(
    "line_substitutions",
    metadata,
    Column("merchant_id", Id, ForeignKey("merchants.id"), primary_key=True),
    Column("order_line_id", Id, ForeignKey("order_lines.id"), primary_key=True),
    Column("variant_id", Id, ForeignKey("variants.id"), nullable=False),
    Column("quantity", Quantity, nullable=False),
    Column("ratio", Integer, nullable=False),
    Column("why", Text, nullable=False),
    Column("notify", Boolean, nullable=False),
    Column("created_at", DateTime(), nullable=False),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    CheckConstraint("ratio > 0", name="ratio_positive"),
)
