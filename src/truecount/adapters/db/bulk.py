"""Many rows in one INSERT, with a statement text that does not depend on how many.

On PostgreSQL the rows go as one array per column through ``INSERT … SELECT … FROM unnest(…)``:
the text is the same for 1 row or 1,000, so psycopg prepares it once and never re-parses it
(a multi-row ``VALUES`` list is new text for every size, parsed client-side each time, and too
long for psycopg's statement cache). On SQLite (in-process, no round trips) it is SQLAlchemy's
own multi-row insert.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Table, insert
from sqlalchemy.dialects import postgresql, sqlite


def insert_many(
    conn: Connection,
    table: Table,
    rows: list[dict[str, Any]],
    *,
    returning: Sequence[str] = (),
    skip_conflicts: bool = False,
) -> list[tuple[Any, ...]]:
    """Insert ``rows`` (all with the same keys) in one statement; return the ``returning`` columns of the
    rows inserted (in no promised order: return a key to match them). ``skip_conflicts``: a row that
    hits a unique key is skipped (``ON CONFLICT DO NOTHING``) and returns nothing."""
    if not rows:
        return []
    if conn.dialect.name != "postgresql":
        stmt: Any = sqlite.insert(table).on_conflict_do_nothing() if skip_conflicts else insert(table)
        if returning:
            return [tuple(r) for r in conn.execute(stmt.returning(*(table.c[name] for name in returning)), rows)]
        conn.execute(stmt, rows)
        return []
    columns = tuple(rows[0])
    sql = _unnest_insert(table, columns, tuple(returning), skip_conflicts)
    result = conn.exec_driver_sql(sql, tuple([row[name] for row in rows] for name in columns))
    return [tuple(r) for r in result] if returning else []


@lru_cache(maxsize=64)
def _unnest_insert(table: Table, columns: tuple[str, ...], returning: tuple[str, ...], skip_conflicts: bool) -> str:
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    arrays = ", ".join(f"%s::{table.c[name].type.compile(dialect=dialect)}[]" for name in columns)
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT * FROM unnest({arrays})"
    if skip_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    if returning:
        sql += f" RETURNING {', '.join(returning)}"
    return sql
