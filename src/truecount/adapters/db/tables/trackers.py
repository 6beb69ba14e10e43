"""Stock health trackers and who may act for which merchant (migration 0007_trackers).

- ``trackers``: one per (merchant, variant, inventory type, mechanism) — the business key;
  ``params`` is a JSON object; ``alerting`` is whether health was below 100% when last
  evaluated (so a crossing is noticed and announced once); ``health``/``evaluated_at`` are
  the figure and the moment of that last crossing.
- ``merchant_access``: a user of one merchant (e.g. a 3PL's admin) may also act for another
  merchant; the trackers page lists these merchants in its merchant picker.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, Float, ForeignKey, Index, String, Table, Text, UniqueConstraint

from .base import Id, metadata

trackers = Table(
    "trackers",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("merchant_id", Id, ForeignKey("merchants.id"), nullable=False),
    Column("variant_id", Id, ForeignKey("variants.id"), nullable=False),
    Column("inventory_type_id", Id, ForeignKey("inventory_types.id"), nullable=False),
    Column("mechanism", String(16), nullable=False),  # stock_quantity | turnover_days | stalled_days
    Column("params", Text, nullable=False),  # JSON: {"below": 10} …
    Column("alerting", Boolean, nullable=False, default=False),  # health was below 100% when last evaluated
    Column("health", Float, nullable=True),  # percent, at the last crossing of 100%
    Column("evaluated_at", DateTime(), nullable=True),
    Column("created_at", DateTime(), nullable=False),
    Column("updated_at", DateTime(), nullable=False),
    UniqueConstraint(
        "merchant_id",
        "variant_id",
        "inventory_type_id",
        "mechanism",
        name="uq_trackers_merchant_variant_type_mechanism",
    ),
)

merchant_access = Table(
    "merchant_access",
    metadata,
    Column("merchant_id", Id, ForeignKey("merchants.id"), primary_key=True),  # the merchant acted for
    Column("user_id", Id, ForeignKey("users.id"), primary_key=True),
    Column("user_merchant_id", Id, ForeignKey("merchants.id"), nullable=False),  # the user's own merchant
    Column("granted_at", DateTime(), nullable=False),
    Index("ix_merchant_access_user_merchant_user", "user_merchant_id", "user_id"),
)
