"""stock health trackers; merchant access (a user acting for another merchant)

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "trackers",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("merchant_id", Id, nullable=False),
        sa.Column("variant_id", Id, nullable=False),
        sa.Column("inventory_type_id", Id, nullable=False),
        sa.Column("mechanism", sa.String(length=16), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("alerting", sa.Boolean(), nullable=False),
        sa.Column("health", sa.Float(), nullable=True),
        sa.Column("evaluated_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["merchant_id"], ["merchants.id"], name=op.f("fk_trackers_merchant_id_merchants")),
        sa.ForeignKeyConstraint(["variant_id"], ["variants.id"], name=op.f("fk_trackers_variant_id_variants")),
        sa.ForeignKeyConstraint(
            ["inventory_type_id"], ["inventory_types.id"], name=op.f("fk_trackers_inventory_type_id_inventory_types")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trackers")),
        sa.UniqueConstraint(
            "merchant_id",
            "variant_id",
            "inventory_type_id",
            "mechanism",
            name="uq_trackers_merchant_variant_type_mechanism",
        ),
    )
    op.create_table(
        "merchant_access",
        sa.Column("merchant_id", Id, nullable=False),
        sa.Column("user_id", Id, nullable=False),
        sa.Column("user_merchant_id", Id, nullable=False),
        sa.Column("granted_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["merchants.id"], name=op.f("fk_merchant_access_merchant_id_merchants")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_merchant_access_user_id_users")),
        sa.ForeignKeyConstraint(
            ["user_merchant_id"], ["merchants.id"], name=op.f("fk_merchant_access_user_merchant_id_merchants")
        ),
        sa.PrimaryKeyConstraint("merchant_id", "user_id", name=op.f("pk_merchant_access")),
    )
    op.create_index("ix_merchant_access_user_merchant_user", "merchant_access", ["user_merchant_id", "user_id"])


def downgrade() -> None:
    op.drop_index("ix_merchant_access_user_merchant_user", table_name="merchant_access")
    op.drop_table("merchant_access")
    op.drop_table("trackers")
