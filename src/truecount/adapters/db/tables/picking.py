"""Pick lists: what to take off the shelves at one location for some orders and work orders."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, DateTime, ForeignKey, Integer, String, Table, Text, UniqueConstraint

from .base import Id, Quantity, metadata

# A pick list made at ``location_id`` for the orders and work orders asked (JSON lists of their ids).
pick_lists = Table(
    "pick_lists",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("merchant_id", Id, ForeignKey("merchants.id"), nullable=False),
    Column("location_id", Id, ForeignKey("locations.id"), nullable=False),
    Column("orders", Text, nullable=False),
    Column("work_orders", Text, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_at", DateTime(), nullable=False),
)

# One line: ``quantity`` units of a variant (type, lot) to take from one place (the location or a
# bin) for one order or one work order; ``picked`` counts the units scanned so far.
pick_list_lines = Table(
    "pick_list_lines",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("merchant_id", Id, ForeignKey("merchants.id"), nullable=False),
    Column("pick_list_id", Id, ForeignKey("pick_lists.id"), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("location_id", Id, ForeignKey("locations.id"), nullable=False),
    Column("variant_id", Id, ForeignKey("variants.id"), nullable=False),
    Column("inventory_type_id", Id, ForeignKey("inventory_types.id"), nullable=False),
    Column("lot", String(128), nullable=False),
    Column("quantity", Quantity, nullable=False),
    Column("picked", Quantity, nullable=False, default=0),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=True),
    Column("work_order_id", Id, ForeignKey("work_orders.id"), nullable=True),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    CheckConstraint("picked >= 0 AND picked <= quantity", name="picked_at_most_asked"),
    UniqueConstraint("merchant_id", "pick_list_id", "line_no", name="uq_pick_list_lines_merchant_list_line"),
)
