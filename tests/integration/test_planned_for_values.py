"""A read planned for its values (``Database.read(planned_for_values=True)``): on PostgreSQL psycopg
prepares none of its statements, however often one connection sends them, so the server plans each
for the values it comes with; afterwards the connection prepares as before. Both backends answer
the same rows."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import Connection, literal, select, text

from truecount.adapters.db.engine import Database

RUNS = 8  # past psycopg's threshold (the fifth run of a text prepares it)


def _run_often(conn: Connection, marker: str) -> list[int]:
    query = select(literal(7).label(marker))
    return [int(conn.execute(query).scalar_one()) for _ in range(RUNS)]


def _prepared(conn: Connection, marker: str) -> int:
    return int(
        conn.execute(
            text("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE :marker"), {"marker": f"%{marker}%"}
        ).scalar_one()
    )


def test_a_read_planned_for_values_prepares_nothing_and_the_connection_prepares_again_after(db: Database) -> None:
    planned, plain = f"planned_{uuid.uuid4().hex[:8]}", f"plain_{uuid.uuid4().hex[:8]}"
    with db.read(planned_for_values=True) as conn:
        assert _run_often(conn, planned) == [7] * RUNS
        driver = conn.connection.driver_connection
        if db.is_sqlite:
            return
        assert _prepared(conn, planned) == 0
    assert getattr(driver, "prepare_threshold", None) == 5  # psycopg's default, given back
    with db.read() as conn:
        assert _run_often(conn, plain) == [7] * RUNS
        assert _prepared(conn, plain) == 1  # what the planned read kept from happening


def test_a_read_planned_for_values_left_by_an_error_gives_the_threshold_back(db: Database) -> None:
    with pytest.raises(RuntimeError, match="stop"), db.read(planned_for_values=True) as conn:
        driver = conn.connection.driver_connection
        assert conn.execute(select(literal(3))).scalar_one() == 3
        raise RuntimeError("stop")
    if not db.is_sqlite:
        assert getattr(driver, "prepare_threshold", None) == 5
    with db.read() as conn:
        assert conn.execute(select(literal(4))).scalar_one() == 4
