"""purchase orders: drop-ship purchase orders as records, their lines, and each supplier's send schedule

- ``suppliers.po_send``: ``now``, ``HH:MM`` (collected, sent daily) or ``Nh`` (collected, every N hours).
- ``purchase_orders``: one supplier's purchase order, its state and the facts (sent, acknowledged,
  shipped, closed, cancelled, found late, followed up), the Message-ID its mail is sent with, the
  send schedule's due time, a sender's claim, the last send error, an amendment still to tell.
- ``purchase_order_lines``: each a booking at the supplier's location: quantity, cancelled, shipped,
  the supplier's unit cost then, and why this supplier.

Revision ID: 0025
Revises: 0024
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Quantity = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("suppliers") as batch:
        batch.add_column(sa.Column("po_send", sa.String(8), nullable=False, server_default="now"))
    op.create_table(
        "purchase_orders",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("merchant_id", Id, sa.ForeignKey("merchants.id"), nullable=False),
        sa.Column("supplier_id", Id, sa.ForeignKey("suppliers.id"), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("collecting", sa.Boolean(), nullable=False),
        sa.Column("message_id", sa.String(200), nullable=False),
        sa.Column("send_due_at", sa.DateTime(), nullable=True),
        sa.Column("claimed_until", sa.DateTime(), nullable=True),
        sa.Column("send_attempts", sa.Integer(), nullable=False),
        sa.Column("send_error", sa.String(500), nullable=True),
        sa.Column("notice", sa.String(16), nullable=True),
        sa.Column("notices_sent", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=True),
        sa.Column("shipped_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.Column("late_at", sa.DateTime(), nullable=True),
        sa.Column("followed_up_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("send_attempts >= 0", name="send_attempts_not_negative"),
    )
    op.create_index(
        "ix_purchase_orders_merchant_state_send_due_at", "purchase_orders", ["merchant_id", "state", "send_due_at"]
    )
    op.create_index(
        "ix_purchase_orders_merchant_supplier_state", "purchase_orders", ["merchant_id", "supplier_id", "state"]
    )
    op.create_table(
        "purchase_order_lines",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("merchant_id", Id, sa.ForeignKey("merchants.id"), nullable=False),
        sa.Column("purchase_order_id", Id, sa.ForeignKey("purchase_orders.id"), nullable=False),
        sa.Column("booking_id", Id, nullable=False),
        sa.Column("order_id", Id, nullable=False),
        sa.Column("order_line_id", Id, nullable=False),
        sa.Column("variant_id", Id, sa.ForeignKey("variants.id"), nullable=False),
        sa.Column("quantity", Quantity, nullable=False),
        sa.Column("cancelled", Quantity, nullable=False),
        sa.Column("shipped", Quantity, nullable=False),
        sa.Column("unit_cost", sa.Numeric(14, 4), nullable=True),
        sa.Column("why", sa.String(500), nullable=True),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint(
            "cancelled >= 0 AND shipped >= 0 AND cancelled + shipped <= quantity", name="within_quantity"
        ),
    )
    op.create_index("ix_purchase_order_lines_merchant_po", "purchase_order_lines", ["merchant_id", "purchase_order_id"])
    op.create_index("ix_purchase_order_lines_merchant_booking", "purchase_order_lines", ["merchant_id", "booking_id"])


def downgrade() -> None:
    op.drop_index("ix_purchase_order_lines_merchant_booking", table_name="purchase_order_lines")
    op.drop_index("ix_purchase_order_lines_merchant_po", table_name="purchase_order_lines")
    op.drop_table("purchase_order_lines")
    op.drop_index("ix_purchase_orders_merchant_supplier_state", table_name="purchase_orders")
    op.drop_index("ix_purchase_orders_merchant_state_send_due_at", table_name="purchase_orders")
    op.drop_table("purchase_orders")
    with op.batch_alter_table("suppliers") as batch:
        batch.drop_column("po_send")
