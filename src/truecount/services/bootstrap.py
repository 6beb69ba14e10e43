"""Open a database, bring its schema up to date and resolve who is acting."""

from __future__ import annotations

from sqlalchemy import select

from truecount.adapters.db.engine import Database
from truecount.adapters.db.migrate import upgrade
from truecount.adapters.db.tables.catalog import merchants
from truecount.domain.errors import NotFound

from . import trackers as _trackers  # noqa: F401  (subscribes the tracker alerts to stock changes)
from .catalog import ensure_merchant
from .scope import Scope


def open_database(url: str, *, busy_timeout_ms: int = 30_000, pool_size: int = 20) -> Database:
    return Database(url, busy_timeout_ms=busy_timeout_ms, pool_size=pool_size)


def init_database(db: Database, merchant: str = "default") -> int:
    """Apply every migration and make sure the merchant exists. Safe to run again."""
    upgrade(db)
    with db.write() as conn:
        return ensure_merchant(conn, merchant, "Default merchant" if merchant == "default" else merchant)


def merchant_scope(db: Database, merchant: str, actor: str, max_quantity: int = 1_000_000_000) -> Scope:
    with db.read() as conn:
        found = conn.execute(select(merchants.c.id).where(merchants.c.code == merchant)).scalar()
    if found is None:
        raise NotFound(f"no merchant {merchant!r}: run `truecount init` first", field="merchant")
    return Scope(int(found), actor, max_quantity)
