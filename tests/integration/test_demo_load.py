"""The demo load on both backends: its commits skip the disk flush only inside the load, and the
ledger it leaves verifies."""

from __future__ import annotations

from sqlalchemy import func, select

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.ledger import movements
from truecount.entrypoints.demo import load_demo
from truecount.services.common.scope import Scope
from truecount.services.stock.verify import verify


def _flushes(db: Database) -> bool:
    """Whether a write transaction's commit waits for the disk flush (read inside one)."""
    with db.write() as conn:
        if db.is_sqlite:
            return int(conn.exec_driver_sql("PRAGMA synchronous").scalar_one()) == 2  # FULL
        return str(conn.exec_driver_sql("SHOW synchronous_commit").scalar_one()) == "on"


def test_unflushed_commits_hold_inside_the_block_only_and_still_commit(db: Database, scope: Scope) -> None:
    assert _flushes(db)
    with db.unflushed_commits():
        assert not _flushes(db)
        with db.write() as conn:
            conn.execute(movements.delete().where(movements.c.merchant_id == scope.merchant_id))
    assert _flushes(db)


def test_the_demo_loads_and_its_ledger_verifies(db: Database, scope: Scope) -> None:
    summary = load_demo(db, scope)
    assert summary.movements > 1000
    assert verify(db, scope) == []
    with db.read() as conn:
        fed = conn.execute(
            select(func.count(), func.count(func.distinct(movements.c.at))).where(
                movements.c.merchant_id == scope.merchant_id, movements.c.kind == "feed"
            )
        ).one()
    assert 0 < fed[1] <= 31 < fed[0]  # a day's feed lines recorded at one moment
    assert _flushes(db)
