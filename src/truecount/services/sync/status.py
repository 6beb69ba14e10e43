"""Per channel, the sync status people read (the channels page, ``sync status``, the API).

The facts come from the sync tables; what they mean (not connected, in step, behind, failing,
paused) is decided by :func:`truecount.domain.sync_health.sync_state`. Drift counts listings
whose quantity read back from the channel differs from the last one pushed, **only where the
read-back came after that push**: a push made since the last read-back is not drift until a
read-back finds the channel disagreeing with it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, and_, func, or_, select

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.channels import channels
from truecount.adapters.db.tables.sync import channel_sync, listing_sync, push_queue
from truecount.domain.sync_health import SyncFacts, error_in_words, sync_state

from ..common.scope import Scope, db_time, utcnow
from .fulfilments import FulfilmentCounts, fulfilment_counts
from .push import PUSH_KINDS


@dataclass(frozen=True, slots=True)
class SyncStatus:
    """A pushed channel's sync status: its state and that state in a sentence, the last successful push,
    the queue (depth, oldest, failing rows), failures and pause, the last error raw and in words, the
    credentials error it waits on, drift found by a read-back, pushes made, the order poll's cursor, the
    channel orders refused (how many, the last one and why), and the fulfilments with tracking pushed to it
    (queued, failing, refused, pushed, the last error)."""

    channel: str
    kind: str
    push: str
    connected: bool
    state: str
    summary: str
    last_success_at: datetime | None
    queue_depth: int
    failing: int
    oldest_queued_at: datetime | None
    oldest_queued_age_s: float | None
    consecutive_failures: int
    paused: bool
    last_error: str | None
    last_error_words: str
    credentials_error: str | None  # set: the channel waits for its credentials to be fixed
    drift: int
    pushed_total: int
    order_cursor: str | None
    orders_refused: int  # channel orders the orders service refused (an unknown order, other lines…)
    last_order_refusal: str | None
    last_order_refused_at: datetime | None
    fulfilments_queued: int = 0  # fulfilments (tracking) waiting to be pushed to the channel
    fulfilments_failing: int = 0  # of those, the ones whose last try failed (retried with backoff)
    fulfilments_refused: int = 0  # refused by the channel for good (an unknown order, more than is left…)
    fulfilments_pushed: int = 0
    last_fulfilment_error: str | None = None

    @property
    def fulfilments_summary(self) -> str:
        """``2 queued, 1 failing, 1 refused`` (blank when none waits and none was refused)."""
        counts = ((self.fulfilments_queued, "queued"), (self.fulfilments_failing, "failing"),
                  (self.fulfilments_refused, "refused"))  # fmt: skip
        return ", ".join(f"{count} {what}" for count, what in counts if count)


def sync_status(db: Database, scope: Scope) -> list[SyncStatus]:
    """Per pushed channel: state and its sentence, last successful push, queue depth and the age of
    the oldest queued push, failing rows, drift, pause, the last error (raw and in words), and the
    channel orders refused (how many, the last one and why)."""
    m = scope.merchant_id
    now = db_time(utcnow())
    with db.read() as conn:
        rows = (
            conn.execute(
                select(
                    channels.c.id,
                    channels.c.code,
                    channels.c.kind,
                    channels.c.push_policy,
                    channels.c.push_interval_s,
                    channels.c.config,
                    channel_sync,
                )
                .select_from(channels)
                .outerjoin(
                    channel_sync, and_(channel_sync.c.channel_id == channels.c.id, channel_sync.c.merchant_id == m)
                )
                .where(channels.c.merchant_id == m, channels.c.kind.in_(PUSH_KINDS))
                .order_by(channels.c.code)
            )
            .mappings()
            .all()
        )
        queue = {
            int(r.channel_id): r
            for r in conn.execute(
                select(
                    push_queue.c.channel_id,
                    func.count().label("depth"),
                    func.sum((push_queue.c.attempts > 0).cast(Integer)).label("failing"),
                    func.min(push_queue.c.queued_at).label("oldest"),
                    func.max(push_queue.c.last_error).label("row_error"),
                )
                .where(push_queue.c.merchant_id == m)
                .group_by(push_queue.c.channel_id)
            )
        }
        ls = listing_sync.c
        drift: dict[int, int] = dict(
            conn.execute(
                select(ls.channel_id, func.count())
                .where(
                    ls.merchant_id == m,
                    ls.read_at.is_not(None),
                    or_(ls.pushed_at.is_(None), ls.read_at >= ls.pushed_at),
                    func.coalesce(ls.channel_quantity, -1) != func.coalesce(ls.pushed_quantity, -1),
                )
                .group_by(ls.channel_id)
            ).all()
        )
        sent = fulfilment_counts(conn, m)
    report = []
    for row in rows:
        q = queue.get(int(row["id"]))
        config = json.loads(row["config"] or "{}")
        last_error = row["last_error"] or (q.row_error if q is not None and q.failing else None)
        facts = SyncFacts(
            connected="base_url" in config,
            push=row["push_policy"],
            push_interval_s=float(row["push_interval_s"]),
            queue_depth=int(q.depth) if q else 0,
            oldest_queued_at=q.oldest if q else None,
            failing_rows=int(q.failing or 0) if q else 0,
            consecutive_failures=int(row["consecutive_failures"] or 0),
            paused_until=row["paused_until"],
            last_error=last_error,
            credentials_error=row["auth_error"],
        )
        state = sync_state(facts, now)
        refused = bool(row["auth_error"]) and last_error == row["auth_error"]  # the stored credentials failure
        tracking = sent.get(int(row["id"]), FulfilmentCounts())
        report.append(
            SyncStatus(
                channel=row["code"],
                kind=row["kind"],
                push=row["push_policy"],
                connected=facts.connected,
                state=state.state,
                summary=state.summary,
                last_success_at=row["last_success_at"],
                queue_depth=facts.queue_depth,
                failing=facts.failing_rows,
                oldest_queued_at=facts.oldest_queued_at,
                oldest_queued_age_s=(now - facts.oldest_queued_at).total_seconds() if facts.oldest_queued_at else None,
                consecutive_failures=facts.consecutive_failures,
                paused=state.state == "paused" or (facts.paused_until is not None and facts.paused_until > now),
                last_error=last_error,
                last_error_words=error_in_words(last_error, credentials=refused),
                credentials_error=row["auth_error"],
                drift=int(drift.get(row["id"], 0)),
                pushed_total=int(row["pushed_total"] or 0),
                order_cursor=row["order_cursor"],
                orders_refused=int(row["orders_refused"] or 0),
                last_order_refusal=row["last_refusal"],
                last_order_refused_at=row["last_refused_at"],
                fulfilments_queued=tracking.queued,
                fulfilments_failing=tracking.failing,
                fulfilments_refused=tracking.refused,
                fulfilments_pushed=tracking.pushed,
                last_fulfilment_error=tracking.last_error,
            )
        )
    return report
