"""Per-channel sync state (``channel_sync``): cursor, last batch/poll/reconcile, successes, failures, pause,
and the credentials pause: a channel whose credentials were refused waits (not each listing) until its
settings change, or ``AUTH_RECHECK_S`` has passed (a seller may fix things on the channel's side)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.sync import channel_sync
from truecount.services.common.scope import db_time, utcnow
from truecount.services.sync.backoff import backoff_s

AUTH_RECHECK_S = 300.0


def _ensure(conn: Connection, merchant_id: int, channel_id: int) -> None:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(channel_sync).values(
        merchant_id=merchant_id, channel_id=channel_id, consecutive_failures=0, pushed_total=0
    )
    conn.execute(stmt.on_conflict_do_nothing())


def _key(merchant_id: int, channel_id: int) -> Any:
    return (channel_sync.c.merchant_id == merchant_id) & (channel_sync.c.channel_id == channel_id)


def order_cursor(db: Database, merchant_id: int, channel_id: int) -> str | None:
    """Where the channel's order poll goes on from (``None``: from the start)."""
    with db.write() as conn:
        _ensure(conn, merchant_id, channel_id)
        cursor = conn.execute(select(channel_sync.c.order_cursor).where(_key(merchant_id, channel_id))).scalar_one()
        return None if cursor is None else str(cursor)


def take_turn(db: Database, merchant_id: int, channel_id: int, column: str, every_s: float) -> bool:
    """Atomically take the turn for a periodic job (order poll, interval batch, reconcile): True when
    ``column`` was older than ``every_s`` and is now stamped, so one worker of many does the job."""
    now = db_time(utcnow())
    target = channel_sync.c[column]
    due = or_(target.is_(None), target <= now - timedelta(seconds=every_s))
    with db.read() as conn:  # asked on every loop: look before taking the write lock
        if conn.execute(select(channel_sync.c.channel_id).where(_key(merchant_id, channel_id), ~due)).first():
            return False
    with db.write() as conn:
        _ensure(conn, merchant_id, channel_id)
        hit = conn.execute(update(channel_sync).where(_key(merchant_id, channel_id), due).values({column: now}))
        return hit.rowcount == 1


def paused(db: Database, merchant_id: int, channel_id: int, config_fingerprint: str | None = None) -> bool:
    """Whether the channel is backing off (a read: the worker asks this on every loop). A credentials pause
    ends at once when the channel's settings are no longer the ones that failed (``config_fingerprint``)."""
    with db.read() as conn:
        row = conn.execute(
            select(channel_sync.c.paused_until, channel_sync.c.auth_failed_config).where(_key(merchant_id, channel_id))
        ).first()
    if row is None or row.paused_until is None or row.paused_until <= db_time(utcnow()):
        return False
    if config_fingerprint is not None and row.auth_failed_config and row.auth_failed_config != config_fingerprint:
        resume(db, merchant_id, channel_id)
        return False
    return True


def resume(db: Database, merchant_id: int, channel_id: int) -> None:
    """End a pause now (new credentials, or a check that found them working)."""
    with db.write() as conn:
        _ensure(conn, merchant_id, channel_id)
        conn.execute(
            update(channel_sync)
            .where(_key(merchant_id, channel_id))
            .values(paused_until=None, auth_error=None, auth_failed_config=None, consecutive_failures=0)
        )


def credentials_failed(db: Database, merchant_id: int, channel_id: int, error: str, config_fingerprint: str) -> None:
    """The channel refused the credentials (or they cannot be refreshed): pause the whole channel until its
    settings change, looking again every ``AUTH_RECHECK_S``."""
    now = db_time(utcnow())
    with db.write() as conn:
        _ensure(conn, merchant_id, channel_id)
        conn.execute(
            update(channel_sync)
            .where(_key(merchant_id, channel_id))
            .values(
                last_failure_at=now,
                last_error=error[:2000],
                auth_error=error[:2000],
                auth_failed_config=config_fingerprint[:64],
                consecutive_failures=channel_sync.c.consecutive_failures + 1,
                paused_until=now + timedelta(seconds=AUTH_RECHECK_S),
            )
        )


def record_success(conn: Connection, merchant_id: int, channel_id: int, pushed: int) -> None:
    """``pushed`` listings landed: the channel is healthy again (in the caller's transaction)."""
    _ensure(conn, merchant_id, channel_id)
    conn.execute(
        update(channel_sync)
        .where(_key(merchant_id, channel_id))
        .values(
            last_success_at=db_time(utcnow()),
            consecutive_failures=0,
            paused_until=None,
            auth_error=None,
            auth_failed_config=None,
            pushed_total=channel_sync.c.pushed_total + pushed,
        )
    )


def failed(db: Database, merchant_id: int, channel_id: int, error: str) -> datetime:
    """Record a channel-wide failure and pause the channel with backoff and jitter; returns the pause end."""
    now = db_time(utcnow())
    with db.write() as conn:
        _ensure(conn, merchant_id, channel_id)
        failures = conn.execute(
            select(channel_sync.c.consecutive_failures).where(_key(merchant_id, channel_id))
        ).scalar_one()
        until = now + timedelta(seconds=backoff_s(int(failures), base_s=0.25, cap_s=120.0))
        conn.execute(
            update(channel_sync)
            .where(_key(merchant_id, channel_id))
            .values(
                last_failure_at=now,
                last_error=error[:2000],
                consecutive_failures=channel_sync.c.consecutive_failures + 1,
                paused_until=until,
            )
        )
        return until


def save_cursor(db: Database, merchant_id: int, channel_id: int, cursor: str | None) -> None:
    with db.write() as conn:
        _ensure(conn, merchant_id, channel_id)
        conn.execute(update(channel_sync).where(_key(merchant_id, channel_id)).values(order_cursor=cursor))


def order_refused(db: Database, merchant_id: int, channel_id: int, reason: str) -> None:
    """A channel order was refused (a signed webhook or a polled order that does not match its schema, or
    that the orders service refused): counted, with the time and the reason, for the sync status."""
    with db.write() as conn:
        _ensure(conn, merchant_id, channel_id)
        conn.execute(
            update(channel_sync)
            .where(_key(merchant_id, channel_id))
            .values(
                orders_refused=channel_sync.c.orders_refused + 1,
                last_refused_at=db_time(utcnow()),
                last_refusal=reason[:2000],
            )
        )
