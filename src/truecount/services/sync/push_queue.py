"""The push queue: coalescing per listing (claims, completion and release are in ``leases``).

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
from functools import lru_cache
from typing import Any, Literal

from sqlalchemy import Connection, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite

from truecount.adapters.db.bulk import driver_time
from truecount.adapters.db.engine import after_commit
from truecount.adapters.db.packed import int8s
from truecount.adapters.db.tables.sync import listing_sync, push_queue
from truecount.services.common.scope import db_time, utcnow
from truecount.services.sync import ports as sync_ports

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
    caller (the offers work), set-based whatever the number (same coalescing, versions continuing
    from the last pushed one). A listing given twice is queued with its last quantity.

    A listing already queued has its row updated (quantity, version + 1): no look-up of its last
    pushed version, which only a new row needs. On PostgreSQL one statement (:func:`queue_rows_pg`,
    which the offers' own write embeds); on SQLite one prepared ``UPDATE`` run for the rows queued
    and one prepared upsert for the others (``executemany``: the loop in C)."""
    newest = {listing_id: (channel_id, quantity) for listing_id, channel_id, quantity in items}
    if not newest:
        return
    now = db_time(utcnow())
    ids = sorted(newest)
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(
            _QUEUE_SET_PG,
            {
                "m": merchant_id,
                "now": now,
                "lid": int8s(ids),
                "ch": int8s([newest[i][0] for i in ids]),
                "q": int8s([newest[i][1] for i in ids]),
            },
        )
    else:
        stamp = driver_time(conn, now)
        m = merchant_id
        there = {int(lid) for (lid,) in conn.exec_driver_sql(_QUEUED_SQLITE, (m, json.dumps(ids))).all()}
        if there:
            conn.exec_driver_sql(_BUMP_SQLITE, [(newest[lid][1], stamp, m, lid) for lid in ids if lid in there])
        rows = [(m, lid, newest[lid][0], newest[lid][1], m, lid, stamp, stamp) for lid in ids if lid not in there]
        if rows:
            conn.exec_driver_sql(_QUEUE_SET_SQLITE, rows)
    after_queued(conn)


def after_queued(conn: Connection) -> None:
    """Wake this process's idle runners once ``conn``'s transaction, which queued pushes, commits."""
    after_commit(conn, NUDGE.notify)


def queue_rows_pg(rows: str) -> str:
    """The end of a PostgreSQL ``WITH`` statement that queues a push for each row of ``rows`` (a query
    named before it in the statement, with columns ``lid``, ``ch``, ``q``: listing, channel, quantity;
    one row per listing), with the parameters ``m`` (merchant) and ``now``.

    The queued rows are updated (quantity, version + 1); the others are inserted with the version after
    the listing's last pushed one. A row deleted meanwhile (its push completed) is inserted again, and
    one queued meanwhile by another transaction is updated by the insert's ``ON CONFLICT``: the same
    outcome as an upsert of every row, without looking up the last pushed version of rows queued."""
    return _QUEUE_ROWS_PG.format(rows=rows)


_SET_QUEUED = """ON CONFLICT (merchant_id, listing_id) DO UPDATE
SET quantity = excluded.quantity, version = push_queue.version + 1, queued_at = excluded.queued_at"""
_QUEUE_ROWS_PG = (
    """bumped AS (
    UPDATE push_queue AS p SET quantity = r.q, version = p.version + 1, queued_at = %(now)s
    FROM {rows} AS r
    WHERE p.merchant_id = %(m)s AND p.listing_id = r.lid
    RETURNING p.listing_id
)
INSERT INTO push_queue (merchant_id, listing_id, channel_id, quantity, version, queued_at, attempts, next_attempt_at)
SELECT %(m)s, r.lid, r.ch, r.q,
       coalesce((SELECT max(s.pushed_version) FROM listing_sync s
                 WHERE s.merchant_id = %(m)s AND s.listing_id = r.lid), 0) + 1,
       %(now)s, 0, %(now)s
FROM {rows} AS r
WHERE r.lid NOT IN (SELECT listing_id FROM bumped)
"""
    + _SET_QUEUED
)
_QUEUE_SET_PG = (
    "WITH pushes AS (SELECT * FROM unnest(%(lid)b::bigint[], %(ch)b::bigint[], %(q)b::bigint[]) AS u(lid, ch, q)),\n"
    + (_QUEUE_ROWS_PG.format(rows="pushes"))
)
_QUEUED_SQLITE = (
    "SELECT listing_id FROM push_queue WHERE merchant_id = ? AND listing_id IN (SELECT value FROM json_each(?))"
)
_BUMP_SQLITE = (
    "UPDATE push_queue SET quantity = ?, version = version + 1, queued_at = ? WHERE merchant_id = ? AND listing_id = ?"
)
_QUEUE_SET_SQLITE = f"""
INSERT INTO push_queue (merchant_id, listing_id, channel_id, quantity, version, queued_at, attempts, next_attempt_at)
VALUES (?, ?, ?, ?,
        coalesce((SELECT max(s.pushed_version) FROM listing_sync s
                  WHERE s.merchant_id = ? AND s.listing_id = ?), 0) + 1,
        ?, 0, ?)
{_SET_QUEUED}"""
