"""shipments: a supplier's shipments of purchase orders, and the inbox mails read

- ``shipments``: carrier, tracking number (one shipment per purchase order and tracking number),
  an optional tracking URL, where it came from (cli, api, csv, mail, web) and when.
- ``shipment_lines``: each a purchase order line and the quantity the shipment carried of it.
- ``inbox_messages``: every mail read from the purchase order inbox by its Message-ID (each read
  once), the merchant whose purchase order it named, and what became of it.

Revision ID: 0034
Revises: 0033
"""

import sqlalchemy as sa
from alembic import op

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Quantity = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "shipments",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("merchant_id", Id, sa.ForeignKey("merchants.id"), nullable=False),
        sa.Column("purchase_order_id", Id, sa.ForeignKey("purchase_orders.id"), nullable=False),
        sa.Column("carrier", sa.String(64), nullable=False),
        sa.Column("tracking", sa.String(128), nullable=False),
        sa.Column("tracking_url", sa.String(500), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("shipped_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("merchant_id", "purchase_order_id", "tracking"),
    )
    op.create_table(
        "shipment_lines",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("merchant_id", Id, sa.ForeignKey("merchants.id"), nullable=False),
        sa.Column("shipment_id", Id, sa.ForeignKey("shipments.id"), nullable=False),
        sa.Column("purchase_order_line_id", Id, sa.ForeignKey("purchase_order_lines.id"), nullable=False),
        sa.Column("quantity", Quantity, nullable=False),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
    )
    op.create_index("ix_shipment_lines_merchant_shipment", "shipment_lines", ["merchant_id", "shipment_id"])
    op.create_table(
        "inbox_messages",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("message_id", sa.String(300), nullable=False),
        sa.Column("merchant_id", Id, sa.ForeignKey("merchants.id"), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("detail", sa.String(500), nullable=True),
        sa.Column("read_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("message_id"),
    )


def downgrade() -> None:
    op.drop_table("inbox_messages")
    op.drop_index("ix_shipment_lines_merchant_shipment", table_name="shipment_lines")
    op.drop_table("shipment_lines")
    op.drop_table("shipments")
