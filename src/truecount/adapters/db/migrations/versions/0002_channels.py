"""channels, their locations and inventory types; the events outbox

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "channels",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("merchant_id", Id, nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("allocation", sa.String(length=16), nullable=False),
        sa.Column("push_policy", sa.String(length=16), nullable=False),
        sa.Column("push_interval_s", sa.Float(), nullable=False),
        sa.Column("always_in_stock", sa.Integer(), nullable=False),
        sa.Column("config", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["merchant_id"], ["merchants.id"], name=op.f("fk_channels_merchant_id_merchants")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channels")),
        sa.UniqueConstraint("merchant_id", "code", name="uq_channels_merchant_code"),
    )
    op.create_table(
        "channel_locations",
        sa.Column("merchant_id", Id, nullable=False),
        sa.Column("channel_id", Id, nullable=False),
        sa.Column("location_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["merchants.id"], name=op.f("fk_channel_locations_merchant_id_merchants")
        ),
        sa.ForeignKeyConstraint(["channel_id"], ["channels.id"], name=op.f("fk_channel_locations_channel_id_channels")),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"], name=op.f("fk_channel_locations_location_id_locations")
        ),
        sa.PrimaryKeyConstraint("merchant_id", "channel_id", "location_id", name=op.f("pk_channel_locations")),
    )
    op.create_index("ix_channel_locations_merchant_location", "channel_locations", ["merchant_id", "location_id"])
    op.create_table(
        "channel_inventory_types",
        sa.Column("merchant_id", Id, nullable=False),
        sa.Column("channel_id", Id, nullable=False),
        sa.Column("inventory_type_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["merchants.id"], name=op.f("fk_channel_inventory_types_merchant_id_merchants")
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_channel_inventory_types_channel_id_channels")
        ),
        sa.ForeignKeyConstraint(
            ["inventory_type_id"],
            ["inventory_types.id"],
            name=op.f("fk_channel_inventory_types_inventory_type_id_inventory_types"),
        ),
        sa.PrimaryKeyConstraint(
            "merchant_id", "channel_id", "inventory_type_id", name=op.f("pk_channel_inventory_types")
        ),
    )
    op.create_table(
        "events",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("merchant_id", Id, nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["merchant_id"], ["merchants.id"], name=op.f("fk_events_merchant_id_merchants")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    op.create_index("ix_events_merchant_topic_id", "events", ["merchant_id", "topic", "id"])


def downgrade() -> None:
    op.drop_index("ix_events_merchant_topic_id", table_name="events")
    op.drop_table("events")
    op.drop_table("channel_inventory_types")
    op.drop_index("ix_channel_locations_merchant_location", table_name="channel_locations")
    op.drop_table("channel_locations")
    op.drop_table("channels")
