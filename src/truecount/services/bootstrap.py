"""Open a database, bring its schema up to date, resolve who is acting — and wire the listeners.

This is the one place where the packages are connected to each other at run time (:func:`wire`):
what runs when a variant's availability changes, and where the sync package hands channel orders.
``open_database`` and ``init_database`` wire, so every entrypoint that writes (CLI, API, pages,
worker) does; a command that only reads opens with :mod:`truecount.services.common.opening` and
loads none of the wired packages.
"""

from __future__ import annotations

from truecount.adapters.db.engine import Database
from truecount.services.assembly import build_to_order
from truecount.services.catalog.records import ensure_merchant
from truecount.services.channels.secrets import seal_stored
from truecount.services.common import availability, shortfalls
from truecount.services.common.opening import NO_SCHEMA, merchant_scope, open_unwired
from truecount.services.offers import recompute as offers
from truecount.services.orders import backorders
from truecount.services.orders.channel_orders import OrdersServiceSink
from truecount.services.sync import ports as sync_ports
from truecount.services.trackers import watch as trackers

__all__ = ["NO_SCHEMA", "init_database", "merchant_scope", "open_database", "wire"]


def wire() -> None:
    """Connect the packages for this process (idempotent)."""
    availability.wire(
        [
            backorders.LISTENER,  # stock that arrives is booked for waiting backorders first,
            offers.LISTENER,  # then every affected listing's offer is recomputed and its push queued,
            trackers.LISTENER,  # then health alerts see the levels the others left
        ]
    )
    shortfalls.wire([build_to_order.on_owed])  # a kit built to order gets a work order for what orders owe
    sync_ports.use(sink=OrdersServiceSink())  # channel order events become orders


def open_database(
    url: str, *, busy_timeout_ms: int = 30_000, pool_size: int = 20, lock_timeout_ms: int = 0
) -> Database:
    """A handle on ``url`` with this process's listeners wired (nothing is connected yet); a URL that is
    not a database is refused by name. ``lock_timeout_ms`` (PostgreSQL): how long a statement waits
    for a row lock (0: forever)."""
    wire()
    return open_unwired(url, busy_timeout_ms=busy_timeout_ms, pool_size=pool_size, lock_timeout_ms=lock_timeout_ms)


def init_database(db: Database, merchant: str = "default") -> int:
    """Apply every migration and make sure the merchant exists. Safe to run again."""
    from truecount.adapters.db.migrate import upgrade  # Alembic: only when migrating (the CLI's reads start faster)

    wire()
    upgrade(db)
    seal_stored(db)  # channel secrets stored before they were encrypted
    with db.write() as conn:
        return ensure_merchant(conn, merchant, "Default merchant" if merchant == "default" else merchant)
