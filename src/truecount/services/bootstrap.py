"""Open a database, bring its schema up to date, resolve who is acting — and wire the listeners.

This is the one place where the packages are connected to each other at run time (:func:`wire`):
what runs when a variant's availability changes, and where the sync package hands channel orders.
``open_database`` and ``init_database`` wire, so every entrypoint (CLI, API, pages, worker) does.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, ProgrammingError

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import merchants
from truecount.domain.errors import InvalidInput, NotFound
from truecount.services.catalog.records import ensure_merchant
from truecount.services.channels.secrets import seal_stored
from truecount.services.common import availability
from truecount.services.common.scope import Scope
from truecount.services.offers import recompute as offers
from truecount.services.orders import backorders
from truecount.services.orders.channel_orders import OrdersServiceSink
from truecount.services.sync import ports as sync_ports
from truecount.services.trackers import watch as trackers

NO_SCHEMA = "has no truecount schema yet: run `truecount init` (or `truecount demo` for a demo shop)"


def wire() -> None:
    """Connect the packages for this process (idempotent)."""
    availability.wire(
        [
            backorders.LISTENER,  # stock that arrives is booked for waiting backorders first,
            offers.LISTENER,  # then every affected listing's offer is recomputed and its push queued,
            trackers.LISTENER,  # then health alerts see the levels the others left
        ]
    )
    sync_ports.use(sink=OrdersServiceSink())  # channel order events become orders


def open_database(
    url: str, *, busy_timeout_ms: int = 30_000, pool_size: int = 20, lock_timeout_ms: int = 0
) -> Database:
    """A handle on ``url`` (nothing is connected yet); a URL that is not a database is refused by name.
    ``lock_timeout_ms`` (PostgreSQL): how long a statement waits for a row lock (0: forever)."""
    wire()
    try:
        return Database(url, busy_timeout_ms=busy_timeout_ms, pool_size=pool_size, lock_timeout_ms=lock_timeout_ms)
    except (ArgumentError, ValueError):
        raise InvalidInput(
            f"{url!r} is not a database URL truecount can use: sqlite:///FILE or postgresql://USER@HOST/DB",
            field="db",
        ) from None


def init_database(db: Database, merchant: str = "default") -> int:
    """Apply every migration and make sure the merchant exists. Safe to run again."""
    from truecount.adapters.db.migrate import upgrade  # Alembic: only when migrating (the CLI's reads start faster)

    wire()
    upgrade(db)
    seal_stored(db)  # channel secrets stored before they were encrypted
    with db.write() as conn:
        return ensure_merchant(conn, merchant, "Default merchant" if merchant == "default" else merchant)


def merchant_scope(db: Database, merchant: str, actor: str, max_quantity: int = 1_000_000_000) -> Scope:
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
