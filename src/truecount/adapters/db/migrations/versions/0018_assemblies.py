"""assemblies: a variant's assembly mode and for-sale flag, work orders and the components they hold

- ``variants.assembly``: how a variant with a bill of materials (``bundle_components``) is sold —
  ``virtual`` (from its components; every bundle before this migration), ``ahead`` (only assembled
  stock) or ``both``; NULL without a bill.
- ``variants.for_sale``: False for a raw material — counted, booked by work orders, never offered.
- ``work_orders`` and ``work_order_holds``: kits built at a location and the components booked for them.

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Quantity = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("variants") as batch:
        batch.add_column(sa.Column("assembly", sa.String(8), nullable=True))
        batch.add_column(sa.Column("for_sale", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.execute("UPDATE variants SET assembly = 'virtual' WHERE is_bundle")
    op.create_table(
        "work_orders",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("merchant_id", Id, sa.ForeignKey("merchants.id"), nullable=False),
        sa.Column("variant_id", Id, sa.ForeignKey("variants.id"), nullable=False),
        sa.Column("location_id", Id, sa.ForeignKey("locations.id"), nullable=False),
        sa.Column("quantity", Quantity, nullable=False),
        sa.Column("produced", Quantity, nullable=False),
        sa.Column("scrapped", Quantity, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("produced >= 0 AND scrapped >= 0", name="done_not_negative"),
        sa.CheckConstraint("produced + scrapped <= quantity", name="done_at_most_ordered"),
    )
    op.create_index("ix_work_orders_merchant_status", "work_orders", ["merchant_id", "status", "id"])
    op.create_table(
        "work_order_holds",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("merchant_id", Id, sa.ForeignKey("merchants.id"), nullable=False),
        sa.Column("work_order_id", Id, sa.ForeignKey("work_orders.id"), nullable=False),
        sa.Column("variant_id", Id, sa.ForeignKey("variants.id"), nullable=False),
        sa.Column("location_id", Id, sa.ForeignKey("locations.id"), nullable=False),
        sa.Column("inventory_type_id", Id, sa.ForeignKey("inventory_types.id"), nullable=False),
        sa.Column("per_kit", Quantity, nullable=False),
        sa.Column("quantity", Quantity, nullable=False),
        sa.Column("consumed", Quantity, nullable=False),
        sa.Column("released", Quantity, nullable=False),
        sa.CheckConstraint("quantity > 0 AND per_kit > 0", name="quantity_positive"),
        sa.CheckConstraint("consumed >= 0 AND released >= 0", name="resolved_not_negative"),
        sa.CheckConstraint("consumed + released <= quantity", name="resolved_at_most_once"),
    )
    op.create_index("ix_work_order_holds_merchant_order", "work_order_holds", ["merchant_id", "work_order_id"])


def downgrade() -> None:
    op.drop_index("ix_work_order_holds_merchant_order", table_name="work_order_holds")
    op.drop_table("work_order_holds")
    op.drop_index("ix_work_orders_merchant_status", table_name="work_orders")
    op.drop_table("work_orders")
    with op.batch_alter_table("variants") as batch:
        batch.drop_column("for_sale")
        batch.drop_column("assembly")
