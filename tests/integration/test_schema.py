"""The migrations build exactly the tables the code declares, on both backends."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from truecount.adapters.db.engine import Database
from truecount.adapters.db.search_index import SEARCH_TABLES, TRIGRAM_INDEXES
from truecount.adapters.db.tables.every import metadata


def _declared_elsewhere(name: str | None, kind: str, _parent: Any) -> bool:
    """False for SQLite's FTS5 search tables and their shadow tables and PostgreSQL's trigram
    indexes (``adapters.db.search_index``: created by the migration, not in the metadata)."""
    if name is None:
        return True
    return not ((kind == "table" and name.startswith(SEARCH_TABLES)) or (kind == "index" and name in TRIGRAM_INDEXES))


def test_the_migrated_schema_matches_the_declared_tables(db: Database) -> None:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": _declared_elsewhere})
        differences = compare_metadata(context, metadata)
    assert differences == []
