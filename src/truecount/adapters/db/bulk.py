"""Many rows in one INSERT, with a statement text that does not depend on how many.

On PostgreSQL the rows go as one array per column through ``INSERT … SELECT … FROM unnest(…)``:
the text is the same for 1 row or 1,000, so psycopg prepares it once and never re-parses it
(a multi-row ``VALUES`` list is new text for every size, parsed client-side each time, and too
long for psycopg's statement cache). On SQLite (in-process, no round trips) it is SQLAlchemy's
own multi-row insert. Statements sent as driver SQL (SQLite's ``executemany`` of one prepared
statement) take their timestamps as :func:`driver_time` gives them.

A column with the same value in every row (the merchant, the time, the actor of a batch) goes
once, as a scalar, instead of as an array of copies: psycopg dumps array elements one by one
in Python, so this halves the dumping of a typical ledger batch (measured: 16 movements 1.5 →
0.85 ms a statement). Every parameter goes in PostgreSQL's binary format (``%b``): no quoting,
no text to parse on either side (measured: five integer and two text arrays of 1,000 dump in
3.1 ms instead of 8.8 ms; of 16, in 94 µs instead of 180 µs).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, DateTime, Table, insert
from sqlalchemy.dialects import postgresql, sqlite


def driver_time(conn: Connection, at: datetime) -> Any:
    """``at`` as SQLAlchemy stores a ``DateTime`` on this database, for driver SQL (which skips its
    processing): SQLite's text form (``2026-12-06 19:30:00.000000``, microseconds always), or the
    ``datetime`` itself. Converted once here: a ``datetime`` bound per row of an ``executemany`` is
    converted by the sqlite3 module for every row (its deprecated default adapter, which also drops
    the microseconds when they are zero, a text that sorts before the same time stored by SQLAlchemy)."""
    process = DateTime().dialect_impl(conn.dialect).bind_processor(conn.dialect)
    return process(at) if process is not None else at


def insert_many(
    conn: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
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
    first = rows[0]
    same = tuple(all(row[name] == first[name] for row in rows) for name in columns)
    if len(rows) > 1 and all(same):  # rows all alike: one array still says how many
        same = (False, *same[1:])
    sql = _unnest_insert(table, columns, same, tuple(returning), skip_conflicts)
    scalars = [first[name] for name, one in zip(columns, same, strict=True) if one]
    arrays = [[row[name] for row in rows] for name, one in zip(columns, same, strict=True) if not one]
    result = conn.exec_driver_sql(sql, tuple(scalars + arrays))
    return [tuple(r) for r in result] if returning else []


@lru_cache(maxsize=128)
def _unnest_insert(
    table: Table, columns: tuple[str, ...], same: tuple[bool, ...], returning: tuple[str, ...], skip_conflicts: bool
) -> str:
    """``INSERT … SELECT`` the scalars (``same``) and the arrays' elements, in the columns' order."""
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]

    def cast(name: str) -> str:
        return str(table.c[name].type.compile(dialect=dialect))

    picks = [f"%b::{cast(name)}" if one else f"u.{name}" for name, one in zip(columns, same, strict=True)]
    varying = [name for name, one in zip(columns, same, strict=True) if not one]
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT {', '.join(picks)}"
    if varying:
        arrays = ", ".join(f"%b::{cast(name)}[]" for name in varying)
        sql += f" FROM unnest({arrays}) AS u({', '.join(varying)})"
    if skip_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    if returning:
        sql += f" RETURNING {', '.join(returning)}"
    return sql
