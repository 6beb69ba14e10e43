"""The push queue on SQLite and PostgreSQL: coalescing, rollback, claims, completion without lost updates."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from tests import factories as f
from tests.sync.fakes import LISTINGS, install
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.sync import listing_sync, push_queue
from truecount.services import outbox, sync_queue
from truecount.services.channels import CreateChannel, create_channel
from truecount.services.scope import Scope


@pytest.fixture
def listing(db: Database, scope: Scope) -> tuple[int, int]:
    install()
    f.location(db, scope, "WH1")
    f.variant(db, scope, "MUG")
    channel = create_channel(
        db, scope, CreateChannel("shop", "ebay", ["WH1"], config={"base_url": "http://127.0.0.1:9"})
    )
    return LISTINGS.add(db, scope.merchant_id, channel["id"], "MUG", "MUG"), channel["id"]


def queued(db: Database, scope: Scope) -> list[tuple[int, int]]:
    with db.read() as conn:
        rows = conn.execute(
            select(push_queue.c.quantity, push_queue.c.version).where(push_queue.c.merchant_id == scope.merchant_id)
        )
        return [(int(q), int(v)) for q, v in rows]


def test_pushes_for_one_listing_coalesce_to_the_newest_quantity(
    db: Database, scope: Scope, listing: tuple[int, int]
) -> None:
    for quantity in (5, 6, 7):
        with db.write() as conn:
            outbox.queue_push(conn, scope.merchant_id, listing[0], quantity)
    assert queued(db, scope) == [(7, 3)]


def test_a_change_that_rolls_back_queues_nothing(db: Database, scope: Scope, listing: tuple[int, int]) -> None:
    with pytest.raises(RuntimeError), db.write() as conn:
        outbox.queue_push(conn, scope.merchant_id, listing[0], 5)
        raise RuntimeError("the movement failed")
    assert queued(db, scope) == []


def test_a_value_queued_while_a_push_is_in_flight_stays_queued(
    db: Database, scope: Scope, listing: tuple[int, int]
) -> None:
    listing_id, channel_id = listing
    with db.write() as conn:
        outbox.queue_push(conn, scope.merchant_id, listing_id, 5)
    [claim] = sync_queue.claim(db, scope.merchant_id, channel_id, "w1", limit=10, lease_s=30)
    assert sync_queue.claim(db, scope.merchant_id, channel_id, "w2", limit=10, lease_s=30) == []  # leased
    with db.write() as conn:
        outbox.queue_push(conn, scope.merchant_id, listing_id, 4)
    assert sync_queue.complete(db, scope.merchant_id, channel_id, "w1", [claim], {}) == 1
    assert queued(db, scope) == [(4, 2)]
    [again] = sync_queue.claim(db, scope.merchant_id, channel_id, "w2", limit=10, lease_s=30)
    assert (again.quantity, again.last_pushed) == (4, 5)
    sync_queue.complete(db, scope.merchant_id, channel_id, "w2", [again], {})
    assert queued(db, scope) == []


def test_a_worker_that_lost_its_lease_queues_the_newest_value_again(
    db: Database, scope: Scope, listing: tuple[int, int]
) -> None:
    listing_id, channel_id = listing
    with db.write() as conn:
        outbox.queue_push(conn, scope.merchant_id, listing_id, 5)
    [slow] = sync_queue.claim(db, scope.merchant_id, channel_id, "slow", limit=10, lease_s=0)
    with db.write() as conn:
        outbox.queue_push(conn, scope.merchant_id, listing_id, 3)
    [fast] = sync_queue.claim(db, scope.merchant_id, channel_id, "fast", limit=10, lease_s=30)
    sync_queue.complete(db, scope.merchant_id, channel_id, "fast", [fast], {})
    sync_queue.complete(db, scope.merchant_id, channel_id, "slow", [slow], {})  # its 5 may have landed after 3
    with db.read() as conn:
        pushed = conn.execute(
            select(listing_sync.c.pushed_quantity).where(listing_sync.c.listing_id == listing_id)
        ).scalar()
    assert pushed == 3
    assert queued(db, scope) == [(3, 3)]  # versions keep growing: v3 is newer than every send so far


def test_concurrent_workers_never_claim_the_same_listing(db: Database, scope: Scope, listing: tuple[int, int]) -> None:
    _, channel_id = listing
    ids = [LISTINGS.add(db, scope.merchant_id, channel_id, f"S{n}", "MUG") for n in range(60)]
    with db.write() as conn:
        for listing_id in ids:
            outbox.queue_push(conn, scope.merchant_id, listing_id, 1)
    claimed: list[list[int]] = []
    lock = threading.Lock()

    def work(name: str) -> None:
        while batch := sync_queue.claim(db, scope.merchant_id, channel_id, name, limit=7, lease_s=30):
            with lock:
                claimed.append([c.listing_id for c in batch])

    threads = [threading.Thread(target=work, args=(f"w{n}",)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    flat = [i for batch in claimed for i in batch]
    assert sorted(flat) == sorted(ids)  # every row claimed exactly once
