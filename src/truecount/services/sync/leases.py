"""Leases on the push queue: a worker claims due rows of a channel for a while, sends them, then
completes each claim (deleted only if its version is still the one sent, so a newer value is never
overwritten by an older one) or releases it for a later retry. A claimed row is invisible to other
workers until its lease ends; a worker that lost its lease has the newest value sent again.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.sync import listing_sync, push_queue
from truecount.services.common.scope import db_time, utcnow
from truecount.services.sync import ports as sync_ports
from truecount.services.sync.backoff import backoff_s
from truecount.services.sync.push_queue import enqueue
from truecount.services.sync.state import record_success

REFUSED_BACKOFF_S = 3600.0


@dataclass(frozen=True)
class Claim:
    listing_id: int
    quantity: int
    version: int
    attempts: int
    last_pushed: int | None
    external_ref: str
    queued_at: datetime
    detail: Mapping[str, Any] = field(default_factory=dict)  # the listing's structured reference
    price: str | None = None  # the listing's current price, read when claimed (None: it has none)
    sku: str | None = None  # the listed variant's SKU

    @property
    def push_key(self) -> str:
        """Names this exact push for the channel's idempotency: the same on a retry (even by another
        worker after a lost lease), new for any newer value — and for the same listing id and version
        queued by another database against the same shop (a re-initialised truecount)."""
        return f"{self.listing_id}:{self.version}:{self.queued_at.isoformat()}"


def new_worker_id() -> str:
    return uuid.uuid4().hex[:16]


def claim(
    db: Database, merchant_id: int, channel_id: int, worker_id: str, *, limit: int, lease_s: float
) -> list[Claim]:
    """Claim up to ``limit`` due rows of a channel for ``lease_s`` seconds."""
    now = db_time(utcnow())
    due = (
        push_queue.c.merchant_id == merchant_id,
        push_queue.c.channel_id == channel_id,
        push_queue.c.next_attempt_at <= now,
        or_(push_queue.c.claimed_until.is_(None), push_queue.c.claimed_until < now),
    )
    with db.read() as conn:  # an idle worker asks often: look before taking the write lock
        if conn.execute(select(push_queue.c.listing_id).where(*due).limit(1)).first() is None:
            return []
    with db.write() as conn:
        query = (
            select(
                push_queue.c.listing_id,
                push_queue.c.quantity,
                push_queue.c.version,
                push_queue.c.attempts,
                push_queue.c.queued_at,
            )
            .where(
                push_queue.c.merchant_id == merchant_id,
                push_queue.c.channel_id == channel_id,
                push_queue.c.next_attempt_at <= now,
                or_(push_queue.c.claimed_until.is_(None), push_queue.c.claimed_until < now),
            )
            .order_by(push_queue.c.queued_at)
            .limit(limit)
        )
        if conn.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = conn.execute(query).all()
        if not rows:
            return []
        ids = [int(r.listing_id) for r in rows]
        conn.execute(
            update(push_queue)
            .where(push_queue.c.merchant_id == merchant_id, push_queue.c.listing_id.in_(ids))
            .values(claimed_by=worker_id, claimed_until=now + timedelta(seconds=lease_s))
        )
        pushed = dict(
            conn.execute(
                select(listing_sync.c.listing_id, listing_sync.c.pushed_quantity).where(
                    listing_sync.c.merchant_id == merchant_id, listing_sync.c.listing_id.in_(ids)
                )
            ).all()
        )
        refs = sync_ports.directory().refs(conn, merchant_id, ids)
    claims = []
    for r in rows:
        ref = refs.get(int(r.listing_id))
        ext = ref.external_ref if ref else ""
        last = pushed.get(r.listing_id)
        detail = ref.detail if ref else {}
        price = ref.price if ref else None
        claims.append(
            Claim(
                int(r.listing_id), int(r.quantity), int(r.version), int(r.attempts), last, ext, r.queued_at,
                detail=detail, price=price, sku=ref.sku if ref else None,
            )
        )  # fmt: skip
    return claims


def complete(
    db: Database,
    merchant_id: int,
    channel_id: int,
    worker_id: str,
    sent: list[Claim],
    failed: dict[int, tuple[str, bool]],
) -> int:
    """Record the outcome of a send. ``failed`` maps listing id → (error, retryable). Returns pushes recorded.

    Pushes that landed also mark the channel healthy (``channel_sync``) in the same transaction: one
    write transaction per batch instead of two (on SQLite every writer queues on one lock)."""

    now = db_time(utcnow())
    done = 0
    with db.write() as conn:
        for item in sent:
            key = and_(push_queue.c.merchant_id == merchant_id, push_queue.c.listing_id == item.listing_id)
            mine = and_(key, push_queue.c.claimed_by == worker_id)
            if item.listing_id in failed:
                error, retryable = failed[item.listing_id]
                delay = backoff_s(item.attempts) if retryable else REFUSED_BACKOFF_S
                conn.execute(
                    update(push_queue)
                    .where(mine)
                    .values(
                        attempts=push_queue.c.attempts + 1,
                        last_error=error[:2000],
                        claimed_by=None,
                        claimed_until=None,
                        next_attempt_at=now + timedelta(seconds=delay),
                    )
                )
                continue
            done += 1
            still_mine = conn.execute(select(push_queue.c.version).where(mine)).scalar_one_or_none()
            _record_pushed(conn, merchant_id, channel_id, item, now)
            if still_mine is None:
                # The lease ran out and another worker took (or finished) this listing: our older
                # value may have landed after its newer one, so send the newest value once more —
                # the queued one if there is one (it is newer than anything pushed), else the last pushed.
                newest = conn.execute(
                    select(listing_sync.c.pushed_quantity).where(
                        listing_sync.c.merchant_id == merchant_id, listing_sync.c.listing_id == item.listing_id
                    )
                ).scalar_one()
                enqueue(conn, merchant_id, item.listing_id, channel_id, int(newest), if_queued="resend")
            elif int(still_mine) == item.version:
                conn.execute(delete(push_queue).where(mine, push_queue.c.version == item.version))
            else:  # a newer value arrived while we sent: leave it queued, due now
                conn.execute(
                    update(push_queue)
                    .where(mine)
                    .values(claimed_by=None, claimed_until=None, attempts=0, last_error=None, next_attempt_at=now)
                )
        if done:
            record_success(conn, merchant_id, channel_id, done)
    return done


def _record_pushed(conn: Connection, merchant_id: int, channel_id: int, item: Claim, now: datetime) -> None:
    """Remember what was pushed, unless a newer version was already recorded (a late, older send)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(listing_sync).values(
        merchant_id=merchant_id,
        listing_id=item.listing_id,
        channel_id=channel_id,
        pushed_quantity=item.quantity,
        pushed_version=item.version,
        pushed_at=now,
    )
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["merchant_id", "listing_id"],
            set_={"pushed_quantity": item.quantity, "pushed_version": item.version, "pushed_at": now},
            where=func.coalesce(listing_sync.c.pushed_version, 0) <= item.version,
        )
    )


def release(
    db: Database,
    merchant_id: int,
    worker_id: str,
    claims: list[Claim],
    error: str,
    attempts_base: int,
    *,
    backoff: bool = True,
) -> None:
    """The whole send failed: back every claimed row off, with jitter (channel unavailable), or put it back
    due now (``backoff=False``: the worker stopped, or the channel waits for its credentials as a whole)."""
    now = db_time(utcnow())
    with db.write() as conn:
        for item in claims:
            conn.execute(
                update(push_queue)
                .where(
                    push_queue.c.merchant_id == merchant_id,
                    push_queue.c.listing_id == item.listing_id,
                    push_queue.c.claimed_by == worker_id,
                )
                .values(
                    attempts=push_queue.c.attempts + (1 if backoff else 0),
                    last_error=error[:2000],
                    claimed_by=None,
                    claimed_until=None,
                    next_attempt_at=now
                    + timedelta(seconds=backoff_s(max(item.attempts, attempts_base)) if backoff else 0),
                )
            )
