"""The push queue: coalescing per listing, claimed under a lease, completed without ever letting an
older value overwrite a newer one.

A listing has at most one queue row. Queuing a newer offered quantity overwrites it and bumps
``version``. A worker claims due rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several
workers share the queue; SQLite serialises writers anyway), sends them, then completes: the row
is deleted only if its version is still the one sent; otherwise the newer value stays queued.
A claimed row is invisible to other workers until its lease ends, so sends for one listing are
never concurrent; a worker that lost its lease has the newest value (queued, else last pushed) sent again.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Literal

from sqlalchemy import Connection, DateTime, and_, bindparam, delete, func, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from truecount.adapters.db.engine import Database, after_commit
from truecount.adapters.db.packed import int4s, int8s
from truecount.adapters.db.tables.sync import listing_sync, push_queue
from truecount.services.common.scope import db_time, utcnow
from truecount.services.sync import ports as sync_ports
from truecount.services.sync.backoff import backoff_s
from truecount.services.sync.state import record_success

REFUSED_BACKOFF_S = 3600.0


class Nudge:
    """Wakes this process's idle runners when a push was queued and committed (``truecount serve``
    runs its worker in the same process), instead of leaving the change until their next poll.
    A worker in another process still finds it by polling."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._generation = 0

    def generation(self) -> int:
        with self._changed:
            return self._generation

    def notify(self) -> None:
        with self._changed:
            self._generation += 1
            self._changed.notify_all()

    def wait(self, seen: int, timeout_s: float) -> None:
        """Return when something was queued since generation ``seen`` (at once if it already was)
        or after ``timeout_s``."""
        with self._changed:
            self._changed.wait_for(lambda: self._generation != seen, timeout_s)


NUDGE = Nudge()


def queue_push(conn: Connection, merchant_id: int, listing_id: int, quantity: int) -> None:
    """Queue the newest offered quantity of a listing, in the caller's transaction (coalescing)."""
    ref = sync_ports.directory().refs(conn, merchant_id, [listing_id]).get(listing_id)
    if ref is None:
        return  # not a listing of a channel we push to
    enqueue(conn, merchant_id, listing_id, ref.channel_id, quantity)


IfQueued = Literal["replace", "leave", "resend"]


def enqueue(
    conn: Connection,
    merchant_id: int,
    listing_id: int,
    channel_id: int,
    quantity: int,
    *,
    if_queued: IfQueued = "replace",
) -> None:
    """Upsert the listing's queue row. Versions grow per listing for ever (a new row continues from
    the last pushed version), so "newer" is always comparable.

    ``quantity`` is queued when the listing has no row. A row already there holds a value newer than
    anything pushed; ``if_queued`` says what to do with it: ``replace`` it (a new offered quantity),
    ``leave`` it (a re-push of the last pushed value must not replace it), or ``resend`` it: keep its
    quantity under a new version, so that it is sent (again) after whatever send holds it now."""
    values = {"m": merchant_id, "lid": listing_id, "cid": channel_id, "qty": quantity, "now": db_time(utcnow())}
    conn.execute(_enqueue_stmt(conn.dialect.name, if_queued), values)
    after_commit(conn, NUDGE.notify)


@lru_cache(maxsize=8)
def _enqueue_stmt(dialect_name: str, if_queued: IfQueued) -> Any:
    """The upsert of one listing's queue row, built once per dialect (building it costs more than
    running it: about 1 ms a call)."""
    dialect: Any = postgresql if dialect_name == "postgresql" else sqlite
    last_version = (
        select(func.coalesce(func.max(listing_sync.c.pushed_version), 0))
        .where(listing_sync.c.merchant_id == bindparam("m"), listing_sync.c.listing_id == bindparam("lid"))
        .scalar_subquery()
    )
    stmt = dialect.insert(push_queue).values(
        merchant_id=bindparam("m"),
        listing_id=bindparam("lid"),
        channel_id=bindparam("cid"),
        quantity=bindparam("qty"),
        version=last_version + 1,
        queued_at=bindparam("now"),
        attempts=0,
        next_attempt_at=bindparam("now"),
    )
    if if_queued == "leave":
        return stmt.on_conflict_do_nothing(index_elements=["merchant_id", "listing_id"])
    if if_queued == "resend":
        return stmt.on_conflict_do_update(
            index_elements=["merchant_id", "listing_id"],
            set_={"version": push_queue.c.version + 1, "queued_at": stmt.excluded.queued_at},
        )
    return stmt.on_conflict_do_update(
        index_elements=["merchant_id", "listing_id"],
        set_={
            "quantity": stmt.excluded.quantity,
            "version": push_queue.c.version + 1,
            "queued_at": stmt.excluded.queued_at,
        },
    )


def _upsert_many(dialect_name: str) -> Any:
    """One prepared upsert for many listings (built once per dialect)."""
    found = _UPSERTS.get(dialect_name)
    if found is None:
        dialect: Any = postgresql if dialect_name == "postgresql" else sqlite
        stmt = dialect.insert(push_queue)
        found = stmt.on_conflict_do_update(
            index_elements=["merchant_id", "listing_id"],
            set_={
                "quantity": stmt.excluded.quantity,
                "version": push_queue.c.version + 1,
                "queued_at": stmt.excluded.queued_at,
            },
        )
        _UPSERTS[dialect_name] = found
    return found


_UPSERTS: dict[str, Any] = {}


def queue_pushes(conn: Connection, merchant_id: int, items: list[tuple[int, int]]) -> None:
    """:func:`queue_push` for many ``(listing_id, quantity)`` at once: one lookup of the listings,
    one of their last pushed versions, one batched upsert (same coalescing and versions)."""
    if not items:
        return
    refs = sync_ports.directory().refs(conn, merchant_id, [listing_id for listing_id, _ in items])
    wanted = [(listing_id, quantity) for listing_id, quantity in items if listing_id in refs]
    if not wanted:
        return
    versions = {
        int(listing_id): int(version or 0)
        for listing_id, version in conn.execute(
            select(listing_sync.c.listing_id, func.max(listing_sync.c.pushed_version))
            .where(
                listing_sync.c.merchant_id == merchant_id,
                listing_sync.c.listing_id.in_([listing_id for listing_id, _ in wanted]),
            )
            .group_by(listing_sync.c.listing_id)
        )
    }
    now = db_time(utcnow())
    rows = [
        {
            "merchant_id": merchant_id,
            "listing_id": listing_id,
            "channel_id": refs[listing_id].channel_id,
            "quantity": quantity,
            "version": versions.get(listing_id, 0) + 1,
            "queued_at": now,
            "attempts": 0,
            "next_attempt_at": now,
        }
        for listing_id, quantity in wanted
    ]
    conn.execute(_upsert_many(conn.dialect.name), rows)
    after_commit(conn, NUDGE.notify)


def queue_listing_pushes(conn: Connection, merchant_id: int, items: list[tuple[int, int, int]]) -> None:
    """:func:`queue_pushes` for ``(listing_id, channel_id, quantity)`` read from the listings by the
    caller (the offers work): ONE set-based upsert, whatever the number (same coalescing, versions
    continuing from the last pushed one). A listing given twice is queued with its last quantity."""
    newest = {listing_id: (channel_id, quantity) for listing_id, channel_id, quantity in items}
    if not newest:
        return
    now = db_time(utcnow())
    if conn.dialect.name == "postgresql":
        ids = sorted(newest)
        conn.exec_driver_sql(
            _QUEUE_SET_PG,
            {
                "m": merchant_id,
                "now": now,
                "lid": int8s(ids),
                "ch": int8s([newest[i][0] for i in ids]),
                "q": int4s([newest[i][1] for i in ids]),
            },
        )
    else:
        rows = json.dumps([[lid, ch, q] for lid, (ch, q) in sorted(newest.items())])
        conn.execute(_QUEUE_SET_SQLITE, {"m": merchant_id, "now": now, "rows": rows})
    after_commit(conn, NUDGE.notify)


_SET_QUEUED = """ON CONFLICT (merchant_id, listing_id) DO UPDATE
SET quantity = excluded.quantity, version = push_queue.version + 1, queued_at = excluded.queued_at"""
_QUEUE_SET_PG = f"""
INSERT INTO push_queue (merchant_id, listing_id, channel_id, quantity, version, queued_at, attempts, next_attempt_at)
SELECT %(m)s, u.lid, u.ch, u.q,
       coalesce((SELECT max(s.pushed_version) FROM listing_sync s
                 WHERE s.merchant_id = %(m)s AND s.listing_id = u.lid), 0) + 1,
       %(now)s, 0, %(now)s
FROM unnest(%(lid)b::bigint[], %(ch)b::bigint[], %(q)b::integer[]) AS u(lid, ch, q)
{_SET_QUEUED}"""
_QUEUE_SET_SQLITE = text(
    f"""
INSERT INTO push_queue (merchant_id, listing_id, channel_id, quantity, version, queued_at, attempts, next_attempt_at)
SELECT :m, u.lid, u.ch, u.q,
       coalesce((SELECT max(s.pushed_version) FROM listing_sync s
                 WHERE s.merchant_id = :m AND s.listing_id = u.lid), 0) + 1,
       :now, 0, :now
FROM (SELECT json_extract(value, '$[0]') AS lid, json_extract(value, '$[1]') AS ch, json_extract(value, '$[2]') AS q
      FROM json_each(:rows)) AS u
WHERE true
{_SET_QUEUED}"""
).bindparams(bindparam("now", type_=DateTime()))


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
        claims.append(
            Claim(int(r.listing_id), int(r.quantity), int(r.version), int(r.attempts), last, ext, r.queued_at, detail)
        )
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
