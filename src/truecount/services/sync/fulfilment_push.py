"""Draining the fulfilment outbox of one channel: claim due rows (a lease, as the push queue does), send them
through the connector's ``push_fulfilment``, record each answer.

- pushed: the row is ``pushed`` for good (never claimed again: a fulfilment goes out once);
- refused by the channel (an unknown or cancelled order, a SKU the order lacks, more than is left to ship):
  ``refused`` for good, with the channel's error;
- failed transiently (per item): backed off exponentially with jitter (0.5 s × 2ⁿ, at most 300 s), its
  error kept for the status;
- the channel failed as a whole (unavailable, credentials refused, the worker stopping): every claim goes
  back (with backoff when unavailable, due at once otherwise) and the failure is raised for the runner,
  which pauses the channel as it does for quantity pushes.

A worker that lost its lease (it was slower than ``lease_s``) may see another worker send the same row:
each connector reads the order first and takes a fulfilment whose tracking number the order already has
as sent, so the channel still gets it once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import and_, or_, select, update

from truecount.adapters.channels.base import AuthFailed, ChannelUnavailable, Connector, FulfilmentResult, Stopped
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.sync import fulfilment_outbox as fo
from truecount.domain import fulfilments as rules
from truecount.services.channels.setup import Channel
from truecount.services.common.scope import Scope, db_time, utcnow
from truecount.services.sync.backoff import backoff_s
from truecount.services.sync.fulfilments import Fulfilment, fulfilment_view
from truecount.services.sync.state import record_success

BATCH = 20  # fulfilments per send (each is a few calls on most channels; one feed on Amazon)


def claim(
    db: Database, merchant_id: int, channel_id: int, worker_id: str, *, limit: int, lease_s: float
) -> list[Fulfilment]:
    """Claim up to ``limit`` due, queued fulfilments of a channel for ``lease_s`` seconds, oldest first."""
    now = db_time(utcnow())
    due = and_(
        fo.c.merchant_id == merchant_id,
        fo.c.channel_id == channel_id,
        fo.c.state == rules.QUEUED,
        fo.c.next_attempt_at <= now,
        or_(fo.c.claimed_until.is_(None), fo.c.claimed_until < now),
    )
    with db.read() as conn:  # an idle runner asks on every loop: look before taking the write lock
        if conn.execute(select(fo.c.key).where(due).limit(1)).first() is None:
            return []
    with db.write() as conn:
        query = select(fo).where(due).order_by(fo.c.queued_at, fo.c.key).limit(limit)
        if conn.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = conn.execute(query).all()
        if rows:
            conn.execute(
                update(fo)
                .where(fo.c.merchant_id == merchant_id, fo.c.key.in_([r.key for r in rows]))
                .values(claimed_by=worker_id, claimed_until=now + timedelta(seconds=lease_s))
            )
    return [fulfilment_view(r) for r in rows]


def complete(
    db: Database, merchant_id: int, channel_id: int, worker_id: str, results: Sequence[FulfilmentResult]
) -> int:
    """Record each answer; returns how many were pushed."""
    now = db_time(utcnow())
    pushed = 0
    with db.write() as conn:
        for result in results:
            row = and_(fo.c.merchant_id == merchant_id, fo.c.key == result.key, fo.c.state == rules.QUEUED)
            if result.ok:
                pushed += 1
                done = {"state": rules.PUSHED, "done_at": now, "attempted_at": now, "last_error": None}
                conn.execute(update(fo).where(row).values(claimed_by=None, claimed_until=None, **done))
                continue
            error = (result.error or "refused")[:2000]
            if not result.retryable:
                done = {"state": rules.REFUSED, "done_at": now}
                conn.execute(
                    update(fo)
                    .where(row)
                    .values(
                        last_error=error,
                        attempted_at=now,
                        attempts=fo.c.attempts + 1,
                        claimed_by=None,
                        claimed_until=None,
                        **done,
                    )
                )
                continue
            attempts = conn.execute(select(fo.c.attempts).where(row, fo.c.claimed_by == worker_id)).scalar_one_or_none()
            if attempts is None:
                continue  # the lease ran out and another worker has it now
            conn.execute(
                update(fo)
                .where(row, fo.c.claimed_by == worker_id)
                .values(
                    attempts=fo.c.attempts + 1,
                    last_error=error,
                    attempted_at=now,
                    next_attempt_at=now + timedelta(seconds=backoff_s(int(attempts))),
                    claimed_by=None,
                    claimed_until=None,
                )
            )
        record_success(conn, merchant_id, channel_id, 0)  # the channel answered
    return pushed


def release(
    db: Database, merchant_id: int, worker_id: str, claims: Sequence[Fulfilment], error: str, *, backoff: bool
) -> None:
    """The whole send failed: put the claims back, backed off (channel unavailable) or due at once."""
    now = db_time(utcnow())
    with db.write() as conn:
        for claimed in claims:
            delay = backoff_s(claimed.attempts) if backoff else 0.0
            conn.execute(
                update(fo)
                .where(fo.c.merchant_id == merchant_id, fo.c.key == claimed.key, fo.c.claimed_by == worker_id)
                .values(
                    attempts=fo.c.attempts + (1 if backoff else 0),
                    last_error=error[:2000] if backoff else fo.c.last_error,
                    attempted_at=now if backoff else fo.c.attempted_at,
                    next_attempt_at=now + timedelta(seconds=delay),
                    claimed_by=None,
                    claimed_until=None,
                )
            )


def push_fulfilments(
    db: Database,
    scope: Scope,
    channel: Channel,
    connector: Connector,
    worker_id: str,
    *,
    lease_s: float,
    limit: int = BATCH,
) -> int:
    """Claim and send one batch of the channel's due fulfilments; returns how many were claimed."""
    claims = claim(db, scope.merchant_id, channel.id, worker_id, limit=limit, lease_s=lease_s)
    if not claims:
        return 0
    try:
        results = connector.push_fulfilment([c.as_item() for c in claims])
    except ChannelUnavailable as error:
        release(db, scope.merchant_id, worker_id, claims, str(error), backoff=True)
        raise
    except (AuthFailed, Stopped) as error:
        release(db, scope.merchant_id, worker_id, claims, str(error), backoff=False)
        raise
    complete(db, scope.merchant_id, channel.id, worker_id, results)
    return len(claims)
