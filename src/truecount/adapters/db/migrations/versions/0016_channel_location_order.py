"""a channel's locations keep the order they were given in: channel_locations.position

Allocation books by location priority (lower first); locations of equal priority are taken in
the channel's own order (the order of ``channel add --locations``). Rows written before this
migration get position 0, so among them ties still break by code.

Revision ID: 0016
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("channel_locations") as batch:
        batch.add_column(sa.Column("position", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("channel_locations") as batch:
        batch.drop_column("position")
