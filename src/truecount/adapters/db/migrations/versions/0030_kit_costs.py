"""kit_costs: a variant's own unit cost; what a work order consumed, at cost

``variants.unit_cost`` (nullable, not negative) is what a unit of the variant costs the merchant.
``work_orders.consumed_cost`` sums each component unit consumed (kits built and scrapped) times its
known cost when consumed; NULL when a component's cost was unknown, ``cost_unknown`` saying why.
Work orders that consumed anything before this migration have no cost: they consumed without one.

Revision ID: 0030
Revises: 0029
"""

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("variants") as batch:
        batch.add_column(sa.Column("unit_cost", sa.Numeric(14, 4), nullable=True))
        batch.create_check_constraint(op.f("ck_variants_unit_cost_not_negative"), "unit_cost >= 0")
    with op.batch_alter_table("work_orders") as batch:
        batch.add_column(sa.Column("consumed_cost", sa.Numeric(28, 4), nullable=True, server_default="0"))
        batch.add_column(sa.Column("cost_unknown", sa.String(300), nullable=True))
    op.execute(
        "UPDATE work_orders SET consumed_cost = NULL, cost_unknown = 'consumed before costs were kept'"
        " WHERE produced + scrapped > 0"
    )


def downgrade() -> None:
    with op.batch_alter_table("work_orders") as batch:
        batch.drop_column("cost_unknown")
        batch.drop_column("consumed_cost")
    with op.batch_alter_table("variants") as batch:
        batch.drop_constraint(op.f("ck_variants_unit_cost_not_negative"), type_="check")
        batch.drop_column("unit_cost")
