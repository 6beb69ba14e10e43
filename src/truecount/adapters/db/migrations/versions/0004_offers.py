"""listings, rules, offered quantities

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"))


def upgrade() -> None:
    op.create_table(
        "listings",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("merchant_id", Id, nullable=False),
        sa.Column("channel_id", Id, nullable=False),
        sa.Column("variant_id", Id, nullable=False),
        sa.Column("external_ref", sa.String(length=300), nullable=False),
        sa.Column("ref_detail", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _fk("listings", "merchant_id", "merchants"),
        _fk("listings", "channel_id", "channels"),
        _fk("listings", "variant_id", "variants"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listings")),
        sa.UniqueConstraint("merchant_id", "channel_id", "variant_id", name="uq_listings_merchant_channel_variant"),
        sa.UniqueConstraint("merchant_id", "channel_id", "external_ref", name="uq_listings_merchant_channel_ref"),
    )
    op.create_index("ix_listings_merchant_variant", "listings", ["merchant_id", "variant_id"])
    op.create_table(
        "channel_rules",
        sa.Column("merchant_id", Id, nullable=False),
        sa.Column("channel_id", Id, nullable=False),
        sa.Column("variant_id", Id, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=True),
        sa.Column("percent", sa.Numeric(precision=6, scale=2), nullable=True),
        sa.Column("location_id", Id, nullable=True),
        sa.Column("reserve", sa.Integer(), nullable=True),
        sa.Column("cap", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        _fk("channel_rules", "merchant_id", "merchants"),
        _fk("channel_rules", "channel_id", "channels"),
        _fk("channel_rules", "variant_id", "variants"),
        _fk("channel_rules", "location_id", "locations"),
        sa.PrimaryKeyConstraint("merchant_id", "channel_id", "variant_id", name=op.f("pk_channel_rules")),
    )
    op.create_table(
        "offers",
        sa.Column("merchant_id", Id, nullable=False),
        sa.Column("channel_id", Id, nullable=False),
        sa.Column("variant_id", Id, nullable=False),
        sa.Column("listing_id", Id, nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("explain", sa.Text(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        _fk("offers", "merchant_id", "merchants"),
        _fk("offers", "channel_id", "channels"),
        _fk("offers", "variant_id", "variants"),
        _fk("offers", "listing_id", "listings"),
        sa.PrimaryKeyConstraint("merchant_id", "channel_id", "variant_id", name=op.f("pk_offers")),
    )


def downgrade() -> None:
    op.drop_table("offers")
    op.drop_table("channel_rules")
    op.drop_index("ix_listings_merchant_variant", table_name="listings")
    op.drop_table("listings")
