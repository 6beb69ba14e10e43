"""PostgreSQL: a pooled connection lost while idle is replaced before anyone uses it."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy.exc import OperationalError

from tests.conftest import PG_ADMIN_URL
from truecount.adapters.db import engine
from truecount.adapters.db.engine import Database


def _backend(db: Database) -> int:
    with db.read() as conn:
        return int(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())


def _terminate(pid: int) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


def test_a_connection_killed_while_idle_is_checked_and_replaced(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    db = Database(pg_url, pool_size=1)
    try:
        first = _backend(db)
        _terminate(first)  # as a database restart or an idle timeout would
        monkeypatch.setattr(engine, "PING_AFTER_IDLE_S", 0.0)  # it has been idle "long enough"
        second = _backend(db)
        assert second != first
    finally:
        db.dispose()


def test_a_connection_handed_back_a_moment_ago_is_lent_without_a_check(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other side of the trade: no round trip for a hot connection (so a loss in that moment shows)."""
    monkeypatch.setattr(engine, "PING_AFTER_IDLE_S", 3600.0)
    db = Database(pg_url, pool_size=1)
    try:
        _terminate(_backend(db))
        with pytest.raises(OperationalError):
            _backend(db)
        _backend(db)  # the pool dropped the dead connection: the next caller gets a fresh one
    finally:
        db.dispose()


def test_the_pool_lends_the_connection_handed_back_last(pg_url: str) -> None:
    """After a burst opened several connections, one caller at a time keeps reusing one of them (LIFO),
    whose server process is warm, instead of cycling through them all (a FIFO pool's way)."""
    db = Database(pg_url, pool_size=4)
    try:
        held = [db.engine.connect() for _ in range(4)]  # a burst: four connections in use at once
        pids = {int(c.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()) for c in held}
        for conn in held:
            conn.close()  # all four back in the pool, the last one handed back last
        assert len(pids) == 4
        assert len({_backend(db) for _ in range(8)}) == 1
    finally:
        db.dispose()
