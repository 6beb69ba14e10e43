"""supplier feeds: a supplier's figures fetched on a schedule, and the record of each run

- ``supplier_feeds``: one a supplier: its source (path or URL, no password), format, column mapping,
  schedule (every or at), staleness settings, sealed secret, pinned SFTP host key, HTTP validators,
  the folder's last file, whether it is stale (and dropped from channel pools: which, where), when it
  runs next, a runner's claim, its last good run.
- ``supplier_feed_runs``: each run's outcome, file, rows read and changed, movements, refusals.
- ``supplier_items.discontinued``: the supplier's feed said it no longer makes the item.

Revision ID: 0032
Revises: 0031
"""

import sqlalchemy as sa
from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("supplier_items") as batch:
        batch.add_column(sa.Column("discontinued", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "supplier_feeds",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("merchant_id", Id, sa.ForeignKey("merchants.id"), nullable=False),
        sa.Column("supplier_id", Id, sa.ForeignKey("suppliers.id"), nullable=False),
        sa.Column("source", sa.String(1000), nullable=False),
        sa.Column("format", sa.String(8), nullable=True),
        sa.Column("mapping", sa.Text(), nullable=False),
        sa.Column("every", sa.String(8), nullable=True),
        sa.Column("at_times", sa.String(200), nullable=True),
        sa.Column("stale_after_s", sa.Integer(), nullable=True),
        sa.Column("drop_when_stale", sa.Boolean(), nullable=False),
        sa.Column("secret", sa.Text(), nullable=True),
        sa.Column("host_key", sa.Text(), nullable=True),
        sa.Column("etag", sa.String(500), nullable=True),
        sa.Column("last_modified", sa.String(100), nullable=True),
        sa.Column("last_file", sa.String(600), nullable=True),
        sa.Column("stale", sa.Boolean(), nullable=False),
        sa.Column("stale_reason", sa.String(300), nullable=True),
        sa.Column("dropped", sa.Text(), nullable=True),
        sa.Column("next_due_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_until", sa.DateTime(), nullable=True),
        sa.Column("last_good_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index(
        "ix_supplier_feeds_merchant_supplier", "supplier_feeds", ["merchant_id", "supplier_id"], unique=True
    )
    op.create_index("ix_supplier_feeds_next_due_at", "supplier_feeds", ["next_due_at"])
    op.create_table(
        "supplier_feed_runs",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("merchant_id", Id, sa.ForeignKey("merchants.id"), nullable=False),
        sa.Column("feed_id", Id, sa.ForeignKey("supplier_feeds.id"), nullable=False),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("file", sa.String(500), nullable=True),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("rows_changed", sa.Integer(), nullable=False),
        sa.Column("movements", sa.Integer(), nullable=False),
        sa.Column("refused", sa.Text(), nullable=True),
        sa.Column("error", sa.String(1000), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_supplier_feed_runs_merchant_feed_id", "supplier_feed_runs", ["merchant_id", "feed_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_supplier_feed_runs_merchant_feed_id", table_name="supplier_feed_runs")
    op.drop_table("supplier_feed_runs")
    op.drop_index("ix_supplier_feeds_next_due_at", table_name="supplier_feeds")
    op.drop_index("ix_supplier_feeds_merchant_supplier", table_name="supplier_feeds")
    op.drop_table("supplier_feeds")
    with op.batch_alter_table("supplier_items") as batch:
        batch.drop_column("discontinued")
