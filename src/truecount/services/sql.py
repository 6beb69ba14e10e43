"""Small dialect-aware SQL helpers shared by the services (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def insert_ignore(conn: Connection, table: Table, values: dict[str, Any]) -> bool:
    """INSERT … ON CONFLICT DO NOTHING. True when the row was inserted."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table).values(**values).on_conflict_do_nothing()
    # rowcount is unreliable for ON CONFLICT across drivers: ask for the row back instead.
    first_key = next(iter(table.primary_key.columns))
    return conn.execute(stmt.returning(first_key)).first() is not None


def upsert_add(conn: Connection, table: Table, key: dict[str, Any], adds: dict[str, int], sets: dict[str, Any]) -> None:
    """INSERT the row with ``adds`` as values, or add ``adds`` to the existing row (one statement)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table).values(**key, **adds, **sets)
    update = {name: table.c[name] + stmt.excluded[name] for name in adds}
    update.update({name: stmt.excluded[name] for name in sets})
    conn.execute(stmt.on_conflict_do_update(index_elements=list(key), set_=update))
