"""The SQLite full-text tables behind the stock screen's contains-match (migration 0036).

FTS5 tables with the trigram tokenizer over ``variants.sku`` and ``products.name`` (rowid = the
row's id), kept by triggers. ``column LIKE '%text%'`` on them answers from the index when the
text has three characters or more. Not in the metadata: the migration creates them, SQLite only
(PostgreSQL serves the same ``LIKE`` from trigram GIN indexes on the tables themselves).
"""

from __future__ import annotations

from sqlalchemy import column, table

SEARCH_TABLES = ("variant_sku_search", "product_name_search")
#: PostgreSQL's trigram GIN indexes on lower(variants.sku) and lower(products.name) (expression
#: indexes of one dialect: created by the migration, not in the metadata either).
TRIGRAM_INDEXES = ("ix_variants_sku_trigrams", "ix_products_name_trigrams")

variant_sku_search = table("variant_sku_search", column("rowid"), column("sku"))
product_name_search = table("product_name_search", column("rowid"), column("name"))
