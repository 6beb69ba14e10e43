"""several listings per variant on one channel: each its own reference, units per sale and quantity rule

- ``listings``: the unique (merchant, channel, variant) goes (the reference stays unique per channel);
  ``units_per_sale`` (a multi-pack listing sells N units per sale; 1 for every existing listing) and
  ``steps`` (the listing's own quantity rule as a JSON list of steps; NULL: the channel's rule).
- ``offers``: one row per listing, keyed (merchant, listing); channel and variant stay as columns.

Revision ID: 0024
Revises: 0023
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("listings") as batch:
        batch.drop_constraint("uq_listings_merchant_channel_variant", type_="unique")
        batch.add_column(sa.Column("units_per_sale", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("steps", sa.Text(), nullable=True))
    with op.batch_alter_table("offers", recreate="always") as batch:
        batch.drop_constraint("pk_offers", type_="primary")
        batch.create_primary_key("pk_offers", ["merchant_id", "listing_id"])


def downgrade() -> None:
    op.execute(
        "DELETE FROM offers WHERE listing_id NOT IN "
        "(SELECT min(id) FROM listings GROUP BY merchant_id, channel_id, variant_id)"
    )
    op.execute(
        "DELETE FROM listings WHERE id NOT IN (SELECT min(id) FROM listings GROUP BY merchant_id, channel_id, variant_id)"
    )
    with op.batch_alter_table("offers", recreate="always") as batch:
        batch.drop_constraint("pk_offers", type_="primary")
        batch.create_primary_key("pk_offers", ["merchant_id", "channel_id", "variant_id"])
    with op.batch_alter_table("listings") as batch:
        batch.drop_column("steps")
        batch.drop_column("units_per_sale")
        batch.create_unique_constraint(
            "uq_listings_merchant_channel_variant", ["merchant_id", "channel_id", "variant_id"]
        )
