"""What the worker does with feeds on each pass: run every due feed (every merchant's, or one's),
then mark late feeds stale (dropping them from channel pools where their setting says so).

A feed is **late** when it had no good run (applied, unchanged or not modified) for longer than it
may go (:func:`truecount.domain.feeds.is_late`: twice its interval, or its ``stale_after`` when
shorter), counted from its creation before its first good run. A stale feed stays stale until its
next good run, which restores what dropping took out.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select, update

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.feeds import supplier_feeds
from truecount.adapters.db.tables.suppliers import suppliers
from truecount.domain.errors import TruecountError
from truecount.domain.feeds import is_late, late_after_s
from truecount.services.common.scope import Scope, db_time, utcnow

from . import pools
from .records import FeedRun
from .run import SCHEDULE, run_feed

log = logging.getLogger(__name__)
ACTOR = "feed"


@dataclass
class FeedPass:
    """What one pass did: the runs it made, and the suppliers it found stale."""

    runs: list[FeedRun] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)


def run_due(
    db: Database, *, folders: Sequence[str], merchant_id: int | None = None, max_quantity: int | None = None
) -> FeedPass:
    """Run every feed whose time has come (a local source only inside ``folders``), then mark the late
    ones stale."""
    done = FeedPass()
    now = db_time(utcnow())
    f = supplier_feeds.c
    query = (
        select(f.merchant_id, suppliers.c.code)
        .join(suppliers, suppliers.c.id == f.supplier_id)
        .where(f.next_due_at <= now, or_(f.claimed_until.is_(None), f.claimed_until < now))
        .order_by(f.next_due_at, f.id)
    )
    if merchant_id is not None:
        query = query.where(f.merchant_id == merchant_id)
    with db.read() as conn:
        due = conn.execute(query).all()
    for m, code in due:
        scope = Scope(int(m), ACTOR) if max_quantity is None else Scope(int(m), ACTOR, max_quantity)
        try:
            done.runs.append(run_feed(db, scope, str(code), SCHEDULE, folders=folders))
        except TruecountError as refused:  # another runner took it meanwhile
            log.info("feed of %s not run: %s", code, refused)
    done.stale = mark_stale(db, merchant_id=merchant_id)
    return done


def mark_stale(db: Database, *, merchant_id: int | None = None) -> list[str]:
    """Mark every late feed stale (and drop it from channel pools when its setting says so); returns
    the suppliers newly marked or dropped."""
    now = db_time(utcnow())
    f = supplier_feeds.c
    query = (
        select(supplier_feeds, suppliers.c.code, suppliers.c.location_id)
        .join(suppliers, suppliers.c.id == f.supplier_id)
        .where(or_(f.stale.is_(False), (f.drop_when_stale.is_(True) & f.dropped.is_(None))))
    )
    if merchant_id is not None:
        query = query.where(f.merchant_id == merchant_id)
    marked: list[str] = []
    with db.read() as conn:
        feeds = conn.execute(query).all()
    for feed in feeds:
        last_good = feed.last_good_at or feed.created_at
        if not feed.stale and not is_late(now, last_good, feed.every, feed.at_times, feed.stale_after_s):
            continue
        with db.write() as conn:
            # guarded: a good run that landed meanwhile moved last_good_at, and this changes nothing
            reason = f"no good run since {last_good:%Y-%m-%d %H:%M} UTC (late after {_hours(feed)})"
            hit = conn.execute(
                update(supplier_feeds)
                .where(f.id == feed.id, f.last_good_at.is_(None) if feed.last_good_at is None else f.last_good_at
                       == feed.last_good_at)
                .values(stale=True, stale_reason=feed.stale_reason if feed.stale else reason)
            ).rowcount  # fmt: skip
            if hit and feed.drop_when_stale and feed.dropped is None:
                pools.drop(conn, int(feed.merchant_id), int(feed.id), int(feed.location_id))
        if hit:
            marked.append(str(feed.code))
    return marked


def _hours(feed: Any) -> str:
    seconds = late_after_s(feed.every, feed.at_times, feed.stale_after_s)
    return f"{seconds // 3600}h" if seconds % 3600 == 0 else f"{seconds // 60}m"
