"""Small dialect-aware SQL helpers shared by the services (SQLite and PostgreSQL).

The statements are built once per (dialect, table, columns) and cached: building an
``ON CONFLICT`` clause walks the whole table (``excluded`` is an alias of it), which costs
more than running the statement. Values travel as bound parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Executable, Table
from sqlalchemy.dialects import postgresql, sqlite


def _dialect(name: str) -> Any:
    return postgresql if name == "postgresql" else sqlite


@lru_cache(maxsize=256)
def _insert_ignore_stmt(dialect: str, table: Table, columns: tuple[str, ...]) -> Executable:
    first_key = next(iter(table.primary_key.columns))
    # rowcount is unreliable for ON CONFLICT across drivers: ask for the row back instead.
    stmt: Executable = _dialect(dialect).insert(table).on_conflict_do_nothing().returning(first_key)
    return stmt


@lru_cache(maxsize=256)
def _upsert_add_stmt(
    dialect: str, table: Table, key: tuple[str, ...], adds: tuple[str, ...], sets: tuple[str, ...]
) -> Executable:
    stmt = _dialect(dialect).insert(table)
    update = {name: table.c[name] + stmt.excluded[name] for name in adds}
    update.update({name: stmt.excluded[name] for name in sets})
    upsert: Executable = stmt.on_conflict_do_update(index_elements=list(key), set_=update)
    return upsert


def insert_ignore(conn: Connection, table: Table, values: Mapping[str, Any]) -> bool:
    """INSERT … ON CONFLICT DO NOTHING. True when the row was inserted."""
    stmt = _insert_ignore_stmt(conn.dialect.name, table, tuple(sorted(values)))
    return conn.execute(stmt, values).first() is not None


def upsert_add(conn: Connection, table: Table, key: dict[str, Any], adds: dict[str, int], sets: dict[str, Any]) -> None:
    """INSERT the row with ``adds`` as values, or add ``adds`` to the existing row (one statement)."""
    stmt = _upsert_add_stmt(conn.dialect.name, table, tuple(key), tuple(adds), tuple(sets))
    conn.execute(stmt, {**key, **adds, **sets})
