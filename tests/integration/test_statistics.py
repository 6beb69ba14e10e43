"""Planner statistics refreshed before a bulk act: a table filled in bulk and never analyzed is
analyzed once, and again only after it grew past what was analyzed (PostgreSQL); SQLite is left alone."""

from __future__ import annotations

import uuid

from sqlalchemy import Connection, text

from truecount.adapters.db.engine import Database
from truecount.adapters.db.statistics import refresh_stale


def _fill(conn: Connection, table: str, start: int, stop: int) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(
            text(f"INSERT INTO {table} (id, note) SELECT g, 'row ' || g FROM generate_series({start}, {stop - 1}) g")
        )
    else:
        conn.execute(
            text(f"INSERT INTO {table} (id, note) VALUES (:id, :note)"),
            [{"id": i, "note": f"row {i}"} for i in range(start, stop)],
        )


def _analyzed_rows(conn: Connection, table: str) -> float:
    return float(conn.execute(text("SELECT reltuples FROM pg_class WHERE relname = :t"), {"t": table}).scalar_one())


def test_a_table_filled_in_bulk_is_analyzed_once_then_again_after_it_grew(db: Database) -> None:
    table = f"stats_probe_{uuid.uuid4().hex[:8]}"
    with db.write() as conn:
        conn.execute(text(f"CREATE TABLE {table} (id BIGINT PRIMARY KEY, note VARCHAR(40) NOT NULL)"))
    try:
        with db.write() as conn:
            assert refresh_stale(conn, [table]) == []  # empty: nothing to gather
            _fill(conn, table, 0, 5_000)
        with db.write() as conn:
            analyzed = refresh_stale(conn, [table, "no_such_table"])
        if db.is_sqlite:
            assert analyzed == []  # SQLite plans without gathered statistics
            return
        assert analyzed == [table]
        with db.read() as conn:
            assert _analyzed_rows(conn, table) == 5_000
        with db.write() as conn:
            assert refresh_stale(conn, [table]) == []  # fresh: not analyzed again
            _fill(conn, table, 5_000, 6_000)  # a fifth more: within the growth allowed
        with db.write() as conn:
            assert refresh_stale(conn, [table]) == []
            _fill(conn, table, 6_000, 15_000)
        with db.write() as conn:
            assert refresh_stale(conn, [table], growth=4.0) == []  # three times its analyzed size: under four
            assert refresh_stale(conn, [table]) == [table]
        with db.read() as conn:
            assert _analyzed_rows(conn, table) == 15_000
    finally:
        with db.write() as conn:
            conn.execute(text(f"DROP TABLE {table}"))
