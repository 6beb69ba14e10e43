"""build to order: variants.build_at — the location where a kit built ahead is built when an order owes it

A kit with ``build_at`` set gets a work order there (released when its components allow) for what
channel orders owe it beyond what its open work orders already build.

Revision ID: 0021
Revises: 0020
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("variants") as batch:
        batch.add_column(sa.Column("build_at", Id, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("variants") as batch:
        batch.drop_column("build_at")
