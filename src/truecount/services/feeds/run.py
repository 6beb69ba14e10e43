"""One run of a supplier's feed: claim, fetch, read, check, apply — and its result recorded.

1. **claim** (a short transaction): a guarded ``UPDATE … SET claimed_until = now + lease WHERE
   claimed_until IS NULL OR claimed_until < now``; a feed another runner holds is refused (409).
2. **fetch** (no transaction): :mod:`truecount.adapters.feed_sources`; nothing new, not modified
   or a failure to reach the source is recorded as the run's outcome.
3. **read and check** (no transaction, then one read transaction): :mod:`.files`, :mod:`.apply`.
   Every refused row is collected; a refused run changes nothing but its own record.
4. **apply** (one write transaction): the changes (:func:`.apply.apply_rows`), the feed marked good
   (no longer stale; put back into the channel pools it was dropped from), its next due time,
   the claim released and the run recorded — together or not at all.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, or_, select, update

from truecount.adapters import feed_sources as sources
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import locations
from truecount.adapters.db.tables.feeds import supplier_feed_runs, supplier_feeds
from truecount.adapters.db.tables.suppliers import suppliers
from truecount.domain.errors import Conflict, InvalidInput, NotFound
from truecount.domain.feeds import next_due
from truecount.services.channels.secrets import vault
from truecount.services.common.scope import Scope, db_time, utcnow

from . import pools
from .apply import MAX_REFUSALS, Target, apply_rows, check_rows, read_all
from .files import format_of, read_feed_file
from .records import FeedRun, Refusal, resolved_folders, run_view

LEASE = timedelta(minutes=10)
MANUAL, SCHEDULE = "manual", "schedule"


@dataclass
class _Result:
    outcome: str
    file: str | None = None
    rows_read: int = 0
    rows_changed: int = 0
    movements: int = 0
    refused: list[Refusal] | None = None
    error: str | None = None


def run_feed(db: Database, scope: Scope, supplier: str, trigger: str = MANUAL, *, folders: Sequence[str]) -> FeedRun:
    """Run ``supplier``'s feed now and return its recorded result (see the module). ``folders``: where
    a local source may read (the setting ``feed_folders``)."""
    started = db_time(utcnow())
    feed = _claim(db, scope.merchant_id, supplier, started)
    try:
        return _run(db, scope, feed, supplier, trigger, started, resolved_folders(folders))
    except BaseException:
        with db.write() as conn:  # an unexpected failure: the feed is free again, its next time kept
            conn.execute(update(supplier_feeds).where(supplier_feeds.c.id == feed.id).values(claimed_until=None))
        raise


def _run(
    db: Database, scope: Scope, feed: Any, supplier: str, trigger: str, started: datetime, folders: list[str]
) -> FeedRun:
    target = Target(scope.merchant_id, int(feed.supplier_id), supplier, int(feed.location_id), feed.location)
    try:
        fetched = _fetch(feed, folders)
    except (sources.NoNewFile, sources.NotModified, sources.FetchFailed) as outcome:
        kind = {sources.NoNewFile: "no_new_file", sources.NotModified: "not_modified"}.get(type(outcome), "failed")
        good = kind == "not_modified"
        return _finish(db, feed, target, trigger, started, _Result(kind, error=str(outcome)), None, good=good)
    mapping: dict[str, str] = json.loads(feed.mapping)
    try:
        rows = read_feed_file(fetched.name, fetched.content, format_of(fetched.name, feed.format), list(mapping))
    except InvalidInput as bad:
        refusal = Refusal(1 if bad.field == "header" else 0, bad.field or "file", bad.message)
        return _finish(db, feed, target, trigger, started, _Result("refused", fetched.name, refused=[refusal]), fetched)
    if not rows:
        empty = _Result("empty", fetched.name, error="the file has no rows")
        return _finish(db, feed, target, trigger, started, empty, fetched, good=False)
    read, refused = read_all(rows, mapping, scope.max_quantity)
    with db.read() as conn:
        checked, unknown = check_rows(conn, target, read, mapping)
    refused = sorted(refused + unknown, key=lambda r: r.row)
    if refused:
        result = _Result("refused", fetched.name, len(rows), refused=refused[:MAX_REFUSALS])
        return _finish(db, feed, target, trigger, started, result, fetched)

    def apply(conn: Connection) -> _Result:
        applied = apply_rows(conn, target, checked, scope.actor, f"feed {fetched.name}"[:200])
        outcome = "applied" if applied.rows_changed else "unchanged"
        return _Result(outcome, fetched.name, len(rows), applied.rows_changed, applied.movements)

    return _finish(db, feed, target, trigger, started, None, fetched, good=True, apply=apply)


def _claim(db: Database, m: int, supplier: str, now: datetime) -> Any:
    f = supplier_feeds.c
    with db.write() as conn:
        feed = conn.execute(
            select(supplier_feeds, suppliers.c.location_id, locations.c.code.label("location"))
            .join(suppliers, suppliers.c.id == f.supplier_id)
            .join(locations, locations.c.id == suppliers.c.location_id)
            .where(f.merchant_id == m, suppliers.c.code == supplier)
        ).first()
        if feed is None:
            raise NotFound(f"supplier {supplier!r} has no feed", field="supplier")
        took = conn.execute(
            update(supplier_feeds)
            .where(f.id == feed.id, or_(f.claimed_until.is_(None), f.claimed_until < now))
            .values(claimed_until=now + LEASE)
        ).rowcount
    if took != 1:
        raise Conflict(f"the feed of {supplier} is running now; try again when it is done", field="supplier")
    return feed


def _fetch(feed: Any, folders: list[str]) -> sources.Fetched:
    secret = json.loads(vault().open(feed.secret, "feed secret")) if feed.secret else {}
    creds = sources.Credentials(secret.get("password"), secret.get("private_key"))
    if feed.source.lower().startswith("sftp://"):
        return sources.fetch_sftp(feed.source, creds, feed.host_key, feed.last_file)
    if feed.source.lower().startswith(("http://", "https://")):
        return sources.fetch_http(feed.source, creds, feed.etag, feed.last_modified)
    return sources.fetch_path(feed.source, feed.last_file, folders)


def _finish(
    db: Database,
    feed: Any,
    target: Target,
    trigger: str,
    started: datetime,
    result: _Result | None,
    fetched: sources.Fetched | None,
    *,
    good: bool = False,
    apply: Any = None,
) -> FeedRun:
    """One write transaction: the changes (``apply``), the feed's state, the run's record."""
    with db.write() as conn:
        if apply is not None:
            result = apply(conn)
        assert result is not None
        now = db_time(utcnow())
        values: dict[str, Any] = {"claimed_until": None, "next_due_at": _next(feed, started)}
        if fetched is not None and result.outcome != "refused":
            values |= {"last_file": fetched.seen[:600]}
            if fetched.etag is not None or fetched.last_modified is not None:
                values |= {"etag": fetched.etag, "last_modified": fetched.last_modified}
        if fetched is not None and fetched.host_key and not feed.host_key:
            values["host_key"] = fetched.host_key  # pinned at the first connection that got this far
        if good:
            values |= {"last_good_at": now, "stale": False, "stale_reason": None}
            if feed.dropped is not None:
                pools.restore(conn, target.merchant_id, int(feed.id), target.location_id, feed.dropped)
        elif result.outcome == "empty":
            values |= {"stale": True, "stale_reason": "the last file had no rows"}
        conn.execute(update(supplier_feeds).where(supplier_feeds.c.id == feed.id).values(**values))
        if result.outcome == "empty" and feed.drop_when_stale and feed.dropped is None:
            pools.drop(conn, target.merchant_id, int(feed.id), target.location_id)
        refused = json.dumps([asdict(r) for r in result.refused]) if result.refused else None
        run_id = conn.execute(
            insert(supplier_feed_runs).values(
                merchant_id=target.merchant_id, feed_id=feed.id, trigger=trigger, outcome=result.outcome,
                file=(result.file or None) and result.file[:500], rows_read=result.rows_read,
                rows_changed=result.rows_changed, movements=result.movements, refused=refused,
                error=result.error[:1000] if result.error else None, started_at=started, finished_at=now,
            )
        ).inserted_primary_key  # fmt: skip
        assert run_id is not None
        row = conn.execute(
            select(supplier_feed_runs, suppliers.c.code).join(
                suppliers, suppliers.c.id == target.supplier_id
            ).where(supplier_feed_runs.c.id == int(run_id[0]))
        ).one()  # fmt: skip
    return run_view(row)


def _next(feed: Any, started: datetime) -> datetime:
    """A scheduled run's next time counts from the time it was due (a late start does not shift the
    schedule), but never in the past."""
    due = next_due(min(feed.next_due_at, started), feed.every, feed.at_times)
    return due if due > started else next_due(started, feed.every, feed.at_times)
