"""search_indexes: the stock screen's contains-match on SKUs and product names, and its oversold filter

A search text is matched as ``lower(sku) LIKE '%text%'`` (and the product's name alike): no B-tree
serves a contains-match, so every search read every variant. Now:

- PostgreSQL: trigram GIN indexes (extension ``pg_trgm``, trusted: the database owner may create it)
  on ``lower(variants.sku)`` and ``lower(products.name)``; the planner uses them for the same
  ``LIKE`` and rechecks each candidate.
- SQLite: FTS5 tables with the trigram tokenizer over the same columns (``variant_sku_search``,
  ``product_name_search``; external content: they hold the index only), kept by triggers on
  ``variants`` and ``products``. The search asks them for candidates and rechecks the ``LIKE``.
  A later migration that rebuilds ``variants`` or ``products`` on SQLite (``batch_alter_table``
  copying the table) drops these triggers with the old table: it must create them again
  (:func:`sqlite_search_triggers`); a test checks the index follows SKU and name edits.
- Both: a partial index on the stock levels booked beyond what is on hand (the oversold filter);
  indexes on the bundles and on the lots by expiry date (the low and out-of-stock filters work out
  the variants with expired stock and the bundles made from their components apart).

Revision ID: 0036
Revises: 0035
"""

import sqlalchemy as sa
from alembic import op

revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None

#: FTS5 table → (the content table, its indexed column).
SEARCH_TABLES = {"variant_sku_search": ("variants", "sku"), "product_name_search": ("products", "name")}


def sqlite_search_triggers() -> list[str]:
    """The triggers keeping the FTS5 tables in step with their content tables (SQLite)."""
    out = []
    for fts, (table, column) in SEARCH_TABLES.items():
        add = f"INSERT INTO {fts}(rowid, {column}) VALUES (new.id, new.{column});"
        drop = f"INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', old.id, old.{column});"
        out += [
            f"CREATE TRIGGER IF NOT EXISTS {fts}_ai AFTER INSERT ON {table} BEGIN {add} END",
            f"CREATE TRIGGER IF NOT EXISTS {fts}_ad AFTER DELETE ON {table} BEGIN {drop} END",
            f"CREATE TRIGGER IF NOT EXISTS {fts}_au AFTER UPDATE OF {column} ON {table} BEGIN {drop} {add} END",
        ]
    return out


def upgrade() -> None:
    op.create_index("ix_variants_merchant_is_bundle", "variants", ["merchant_id", "is_bundle"])
    op.create_index("ix_lots_merchant_expires_on", "lots", ["merchant_id", "expires_on"])
    op.create_index(
        "ix_stock_levels_oversold",
        "stock_levels",
        ["merchant_id", "variant_id"],
        sqlite_where=sa.text("booked > on_hand"),
        postgresql_where=sa.text("booked > on_hand"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_variants_sku_trigrams ON variants USING gin (lower(sku) gin_trgm_ops)")
        op.execute("CREATE INDEX ix_products_name_trigrams ON products USING gin (lower(name) gin_trgm_ops)")
        return
    for fts, (table, column) in SEARCH_TABLES.items():
        op.execute(
            f"CREATE VIRTUAL TABLE {fts} USING fts5({column}, content='{table}', content_rowid='id', tokenize='trigram')"
        )
        op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
    for statement in sqlite_search_triggers():
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_products_name_trigrams")
        op.execute("DROP INDEX ix_variants_sku_trigrams")
    else:
        for fts in SEARCH_TABLES:
            for suffix in ("ai", "ad", "au"):
                op.execute(f"DROP TRIGGER IF EXISTS {fts}_{suffix}")
            op.execute(f"DROP TABLE {fts}")
    op.drop_index("ix_stock_levels_oversold", "stock_levels")
    op.drop_index("ix_lots_merchant_expires_on", "lots")
    op.drop_index("ix_variants_merchant_is_bundle", "variants")
