"""orders, order lines, bookings, backorders, oversell incidents

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"))


def upgrade() -> None:
    op.create_table(
        "orders",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("merchant_id", Id, nullable=False),
        sa.Column("channel_id", Id, nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("strict", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        _fk("orders", "merchant_id", "merchants"),
        _fk("orders", "channel_id", "channels"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint("merchant_id", "channel_id", "external_id", name="uq_orders_merchant_channel_external"),
    )
    op.create_index("ix_orders_merchant_status_created", "orders", ["merchant_id", "status", "created_at"])
    op.create_table(
        "order_lines",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("merchant_id", Id, nullable=False),
        sa.Column("order_id", Id, nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("variant_id", Id, nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("fulfilled", sa.Integer(), nullable=False),
        sa.Column("cancelled", sa.Integer(), nullable=False),
        sa.Column("returned", sa.Integer(), nullable=False),
        _fk("order_lines", "merchant_id", "merchants"),
        _fk("order_lines", "order_id", "orders"),
        _fk("order_lines", "variant_id", "variants"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_lines")),
    )
    op.create_index("ix_order_lines_merchant_order", "order_lines", ["merchant_id", "order_id"])
    op.create_index("ix_order_lines_merchant_variant", "order_lines", ["merchant_id", "variant_id"])
    op.create_table(
        "bookings",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("merchant_id", Id, nullable=False),
        sa.Column("order_line_id", Id, nullable=False),
        sa.Column("variant_id", Id, nullable=False),
        sa.Column("location_id", Id, nullable=False),
        sa.Column("inventory_type_id", Id, nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("shipped", sa.Integer(), nullable=False),
        sa.Column("released", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _fk("bookings", "merchant_id", "merchants"),
        _fk("bookings", "order_line_id", "order_lines"),
        _fk("bookings", "variant_id", "variants"),
        _fk("bookings", "location_id", "locations"),
        _fk("bookings", "inventory_type_id", "inventory_types"),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_bookings_quantity_positive")),
        sa.CheckConstraint("shipped >= 0 AND released >= 0", name=op.f("ck_bookings_resolved_not_negative")),
        sa.CheckConstraint("shipped + released <= quantity", name=op.f("ck_bookings_resolved_at_most_once")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookings")),
    )
    op.create_index("ix_bookings_merchant_line", "bookings", ["merchant_id", "order_line_id"])
    op.create_index(
        "ix_bookings_merchant_level", "bookings", ["merchant_id", "variant_id", "location_id", "inventory_type_id"]
    )
    op.create_table(
        "backorders",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("merchant_id", Id, nullable=False),
        sa.Column("order_line_id", Id, nullable=False),
        sa.Column("variant_id", Id, nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("allocated", sa.Integer(), nullable=False),
        sa.Column("cancelled", sa.Integer(), nullable=False),
        sa.Column("preorder", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _fk("backorders", "merchant_id", "merchants"),
        _fk("backorders", "order_line_id", "order_lines"),
        _fk("backorders", "variant_id", "variants"),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_backorders_quantity_positive")),
        sa.CheckConstraint("allocated >= 0 AND cancelled >= 0", name=op.f("ck_backorders_settled_not_negative")),
        sa.CheckConstraint("allocated + cancelled <= quantity", name=op.f("ck_backorders_settled_at_most_once")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backorders")),
    )
    op.create_index("ix_backorders_merchant_variant_open", "backorders", ["merchant_id", "variant_id", "id"])
    op.create_table(
        "incidents",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("merchant_id", Id, nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("order_id", Id, nullable=False),
        sa.Column("order_line_id", Id, nullable=False),
        sa.Column("variant_id", Id, nullable=False),
        sa.Column("channel_id", Id, nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("cause", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _fk("incidents", "merchant_id", "merchants"),
        _fk("incidents", "order_id", "orders"),
        _fk("incidents", "order_line_id", "order_lines"),
        _fk("incidents", "variant_id", "variants"),
        _fk("incidents", "channel_id", "channels"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
    )
    op.create_index("ix_incidents_merchant_created", "incidents", ["merchant_id", "created_at"])


def downgrade() -> None:
    for table in ("incidents", "backorders", "bookings", "order_lines", "orders"):
        op.drop_table(table)
