"""Apply Alembic migrations programmatically (``truecount init`` and the tests call this)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Connection

from .engine import Database

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the schema to ``revision``. Safe to run again: applied steps are skipped."""
    _migrate(db, lambda config: command.upgrade(config, revision))


def downgrade(db: Database, revision: str) -> None:
    """Take the schema back to ``revision`` (the tests use it to prove a migration round-trips)."""
    _migrate(db, lambda config: command.downgrade(config, revision))


def _migrate(db: Database, step: Callable[[Config], None]) -> None:
    config = alembic_config()
    with db.engine.connect() as conn:
        if not db.is_sqlite:
            with conn.begin():
                config.attributes["connection"] = conn
                step(config)
            return
        # SQLite changes a constraint by rebuilding the table (copy, DROP, rename). With foreign keys
        # enforced, the DROP of a table other tables refer to fails, and the pragma is a no-op inside a
        # transaction: so switch enforcement off before BEGIN, check every key before COMMIT, and
        # switch it back on for the pooled connection. (The recipe of sqlite.org/lang_altertable.html.)
        _pragma(conn, "PRAGMA foreign_keys=OFF")
        try:
            with conn.begin():
                config.attributes["connection"] = conn
                before = _revision(conn)
                step(config)
                # Only after a step that ran: the check reads every table, and `serve` migrates at each start.
                if _revision(conn) != before:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise RuntimeError(f"migration left rows whose foreign key has no parent: {broken[:10]}")
        finally:
            _pragma(conn, "PRAGMA foreign_keys=ON")


def _revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def _pragma(conn: Connection, sql: str) -> None:
    # Straight to the driver: SQLAlchemy would open a transaction first, where the pragma does nothing.
    conn.connection.driver_connection.execute(sql)  # type: ignore[union-attr]
