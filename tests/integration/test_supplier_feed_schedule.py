"""Supplier feeds on a schedule: the worker runs a due feed and the channel's offers (and queued pushes)
follow; a late or empty feed is stale and, by setting, dropped from channel pools until its next good
run. Both backends."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from tests import feed_factories as ff
from tests import offer_factories as of
from tests.waits import until
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.sync import push_queue
from truecount.entrypoints.worker import start_supplier_feeds
from truecount.services.channels.views import channel_view
from truecount.services.common.scope import Scope, clock_at, utcnow
from truecount.services.feeds.records import get_feed
from truecount.services.feeds.schedule import mark_stale, run_due
from truecount.settings import Settings

HEADER = "Art.Nr,Bestand,Preis,EOL\n"


def _queued(db: Database, scope: Scope) -> dict[int, int]:
    with db.read() as conn:
        rows = conn.execute(
            select(push_queue.c.listing_id, push_queue.c.quantity).where(push_queue.c.merchant_id == scope.merchant_id)
        ).all()
    return {int(lid): int(q) for lid, q in rows}


def test_the_worker_runs_a_due_feed_and_the_channel_offers_and_pushes_follow(
    db: Database, scope: Scope, tmp_path: Path
) -> None:
    ff.dropshipper(db, scope)
    ff.write_csv(tmp_path, "acme.csv", HEADER + "AC-SNK,17,10.00,no\nAC-CAP,4,10.00,no\n", 1_000)
    ff.feed(db, scope, tmp_path, every="5m")
    settings = Settings(database_url=db.url, feed_interval_s=0.05, feed_folders=ff.FOLDERS[0])
    stop = start_supplier_feeds(db, settings, merchant_id=scope.merchant_id)
    try:
        until(lambda: get_feed(db, scope, "ACME").runs, "the worker to run the due feed")
    finally:
        stop()
    feed = get_feed(db, scope, "ACME")
    (run,) = feed.runs
    assert (run.trigger, run.outcome, run.rows_changed) == ("schedule", "applied", 2)
    assert of.stored(db, scope) == {("web", "SNK"): 17, ("web", "CAP"): 6}
    assert sorted(_queued(db, scope).values()) == [6, 17]
    assert feed.next_due_at > utcnow().isoformat()  # next in five minutes: not run again meanwhile
    assert run_due(db, folders=ff.FOLDERS, merchant_id=scope.merchant_id).runs == []


def test_a_late_feed_is_stale_and_dropped_from_channel_pools_until_its_next_good_run(
    db: Database, scope: Scope, tmp_path: Path
) -> None:
    ff.dropshipper(db, scope)
    ff.write_csv(tmp_path, "a.csv", HEADER + "AC-SNK,9,10.00,no\nAC-CAP,3,10.00,no\n", 1_000)
    with clock_at(utcnow() - timedelta(hours=3)):  # every 60m, the last good run 3 hours ago
        ff.feed(db, scope, tmp_path, drop_when_stale=True)
        assert ff.run(db, scope).outcome == "applied"
    assert of.stored(db, scope) == {("web", "SNK"): 9, ("web", "CAP"): 5}

    assert mark_stale(db, merchant_id=scope.merchant_id) == ["ACME"]

    feed = get_feed(db, scope, "ACME")
    assert (feed.stale, feed.dropped) == (True, True)
    assert feed.stale_reason is not None and "late after 2h" in feed.stale_reason
    assert channel_view(db, scope, "web").locations == ["WH1"]
    assert of.stored(db, scope) == {("web", "SNK"): 0, ("web", "CAP"): 2}
    assert sorted(_queued(db, scope).values()) == [0, 2]
    assert mark_stale(db, merchant_id=scope.merchant_id) == []  # once
    ff.write_csv(tmp_path, "b.csv", HEADER + "AC-SNK,9,10.00,no\nAC-CAP,3,10.00,no\n", 2_000)

    back = ff.run(db, scope)

    assert (back.outcome, back.movements) == ("unchanged", 0)
    feed = get_feed(db, scope, "ACME")
    assert (feed.stale, feed.dropped, feed.stale_reason) == (False, False, None)
    assert channel_view(db, scope, "web").locations == ["WH1", "DS-A"]
    assert of.stored(db, scope) == {("web", "SNK"): 9, ("web", "CAP"): 5}


def test_a_stale_feed_without_the_setting_stays_in_the_pools_and_an_empty_file_is_stale_at_once(
    db: Database, scope: Scope, tmp_path: Path
) -> None:
    ff.dropshipper(db, scope)
    ff.write_csv(tmp_path, "a.csv", HEADER + "AC-SNK,9,10.00,no\n", 1_000)
    with clock_at(utcnow() - timedelta(hours=3)):
        ff.feed(db, scope, tmp_path, every="2h", stale_after="90m")  # at most 90 minutes, not 4 hours
        ff.run(db, scope)
    assert mark_stale(db, merchant_id=scope.merchant_id) == ["ACME"]
    assert (get_feed(db, scope, "ACME").stale, get_feed(db, scope, "ACME").dropped) == (True, False)
    assert channel_view(db, scope, "web").locations == ["WH1", "DS-A"]
    assert of.stored(db, scope)[("web", "SNK")] == 9
    ff.write_csv(tmp_path, "b.csv", HEADER + "AC-SNK,9,10.00,no\n", 2_000)
    assert ff.run(db, scope).outcome == "unchanged"
    assert not get_feed(db, scope, "ACME").stale
    ff.write_csv(tmp_path, "c.csv", HEADER, 3_000)

    empty = ff.run(db, scope)

    assert (empty.outcome, empty.rows_read) == ("empty", 0)
    feed = get_feed(db, scope, "ACME")
    assert (feed.stale, feed.stale_reason) == (True, "the last file had no rows")
    assert ff.at_supplier(db, scope) == {"SNK": 9}
