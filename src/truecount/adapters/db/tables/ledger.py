"""The ledger (movements), its projection (levels) and the idempotency record."""

from __future__ import annotations

from sqlalchemy import (
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
)

from truecount.domain.ledger import MAX_STORED_QUANTITY

from .base import Id, Quantity, metadata

# No foreign keys to the catalogue (one per-row check each on the booking hot path, for parents
# never deleted): verify's orphan audit is the backstop (migration 0008, docs/architecture.md).
movements = Table(
    "movements",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("merchant_id", Id, nullable=False),
    Column("at", DateTime(), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("variant_id", Id, nullable=False),
    Column("location_id", Id, nullable=True),  # NULL: a backorder (no location)
    Column("inventory_type_id", Id, nullable=False),
    Column("lot", String(128), nullable=False, default=""),  # "" = no lot
    Column("on_hand_delta", Quantity, nullable=False),
    Column("booked_delta", Quantity, nullable=False),
    Column("counted", Quantity, nullable=True),  # the figure a stocktake found
    Column("reason", Text, nullable=True),
    Column("reference", String(300), nullable=True),
    Column("idempotency_key", String(300), nullable=True),
    Column("order_line_id", Id, nullable=True),  # set by booking kinds
    Index("ix_movements_merchant_variant_at", "merchant_id", "variant_id", "at"),
    Index("ix_movements_merchant_at", "merchant_id", "at"),
)

# One row per (variant, location, inventory type): the booking hot path guards on it. No foreign keys
# to the catalogue (a per-row check on every new level): verify's orphan audit (migration 0026).
stock_levels = Table(
    "stock_levels",
    metadata,
    Column("merchant_id", Id, primary_key=True),
    Column("variant_id", Id, primary_key=True),
    Column("location_id", Id, primary_key=True),
    Column("inventory_type_id", Id, primary_key=True),
    Column("on_hand", Quantity, nullable=False, default=0),
    Column("booked", Quantity, nullable=False, default=0),
    Column("updated_at", DateTime(), nullable=False),
    CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
    CheckConstraint("booked >= 0", name="booked_not_negative"),
    # SQLite turns an integer sum past 2^63 - 1 into a REAL: refused here, as PostgreSQL refuses it.
    CheckConstraint(f"on_hand <= {MAX_STORED_QUANTITY}", name="on_hand_storable"),
    Index("ix_stock_levels_merchant_location", "merchant_id", "location_id"),
    # the stock screen's oversold filter: the few levels booked beyond what is on hand (partial:
    # WHERE booked > on_hand, as migration 0036 creates it; see the note below on dialect options)
    Index("ix_stock_levels_oversold", "merchant_id", "variant_id"),
)

# Σ (on_hand − booked) over a variant's levels at places that feed the channels (locations.feeds) in
# sellable types: kept by triggers on stock_levels (migrations 0037, 0039), read by the stock screen's filters.
variant_available = Table(
    "variant_available",
    metadata,
    Column("merchant_id", Id, primary_key=True),
    Column("variant_id", Id, primary_key=True),
    # NULL: past SQLite's 64-bit integers, not kept (the search works the variant out from its row)
    Column("available", Numeric(40, 0).with_variant(Integer(), "sqlite"), nullable=True, server_default="0"),
    Index("ix_variant_available_merchant_available", "merchant_id", "available"),
    # WITHOUT ROWID on SQLite (migration 0039): the key is the table's own b-tree, so a trigger's
    # upsert finds the row in one search
)

# Dialect options (``postgresql_where=``, ``sqlite_with_rowid=``…) are left to the migrations, which
# create the schema: SQLAlchemy checks such an option by importing its dialect, so declaring them here
# made every process that reads the ledger import both dialects (a SQLite ``truecount stock SKU``
# spent about 7 % of its CPU importing the PostgreSQL one). The schema test compares names and
# columns of indexes, not these options.

# on_hand split by lot ("" = no lot). Σ lot_levels.on_hand == stock_levels.on_hand.
lot_levels = Table(
    "lot_levels",
    metadata,
    Column("merchant_id", Id, primary_key=True),
    Column("variant_id", Id, primary_key=True),
    Column("location_id", Id, primary_key=True),
    Column("inventory_type_id", Id, primary_key=True),
    Column("lot", String(128), primary_key=True),
    Column("on_hand", Quantity, nullable=False, default=0),
    CheckConstraint("on_hand >= 0", name="lot_on_hand_not_negative"),
    CheckConstraint(f"on_hand <= {MAX_STORED_QUANTITY}", name="lot_on_hand_storable"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("merchant_id", Id, ForeignKey("merchants.id"), primary_key=True),
    Column("key", String(300), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("response", Text, nullable=False),  # JSON of the first result
    Column("created_at", DateTime(), nullable=False),
)
