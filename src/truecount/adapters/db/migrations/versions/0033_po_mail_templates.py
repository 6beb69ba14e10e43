"""po mail templates: a merchant's own texts of the mails suppliers receive about purchase orders

- ``po_mail_templates``: keyed (merchant, name) — ``send``, ``amend``, ``cancel``, ``follow-up`` — the
  template text (placeholders checked on save) and when it was saved. No row: the built-in text.

Revision ID: 0033
Revises: 0032
"""

import sqlalchemy as sa
from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "po_mail_templates",
        sa.Column("merchant_id", Id, sa.ForeignKey("merchants.id"), primary_key=True),
        sa.Column("name", sa.String(16), primary_key=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("po_mail_templates")
