"""Open a database handle and resolve who acts for which merchant — with nothing wired.

A read-only command (``truecount stock SKU``) needs no listeners: it opens the database here and
loads none of the packages :func:`truecount.services.bootstrap.wire` connects (offers, backorders,
trackers, sync), so it starts in a fraction of the time. A write needs them: a process that
announces an availability change without wiring is refused (``availability.NotWired``), so a
writer opens through :func:`truecount.services.bootstrap.open_database`, which wires first.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, ProgrammingError

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import merchants
from truecount.domain.errors import InvalidInput, NotFound
from truecount.domain.ledger import MAX_REQUEST_QUANTITY

from .scope import Scope

NO_SCHEMA = "has no truecount schema yet: run `truecount init` (or `truecount demo` for a demo shop)"


def open_unwired(url: str, *, busy_timeout_ms: int = 30_000, pool_size: int = 20, lock_timeout_ms: int = 0) -> Database:
    """A handle on ``url`` (nothing is connected yet); a URL that is not a database is refused by name.
    ``lock_timeout_ms`` (PostgreSQL): how long a statement waits for a row lock (0: forever)."""
    try:
        return Database(url, busy_timeout_ms=busy_timeout_ms, pool_size=pool_size, lock_timeout_ms=lock_timeout_ms)
    except (ArgumentError, ValueError):
        raise InvalidInput(
            f"{url!r} is not a database URL truecount can use: sqlite:///FILE or postgresql://USER@HOST/DB",
            field="db",
        ) from None


def merchant_scope(db: Database, merchant: str, actor: str, max_quantity: int = MAX_REQUEST_QUANTITY) -> Scope:
    """Who acts for which merchant. An uninitialised database is refused with the command that fixes it
    (and a SQLite file that does not exist is not created by asking)."""
    if db.is_sqlite:
        path = make_url(db.url).database or ""
        if not Path(path).exists():
            raise NotFound(f"no database file {path!r}: run `truecount init` (or `truecount demo`)", field="db")
    try:
        with db.read() as conn:
            found = conn.execute(select(merchants.c.id).where(merchants.c.code == merchant)).scalar()
    except (OperationalError, ProgrammingError):
        if not inspect(db.engine).has_table("merchants"):
            raise NotFound(f"the database {NO_SCHEMA}", field="db") from None
        raise
    if found is None:
        raise NotFound(f"no merchant {merchant!r}: run `truecount init` first", field="merchant")
    return Scope(int(found), actor, max_quantity)
