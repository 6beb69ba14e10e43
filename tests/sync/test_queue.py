"""The push queue on SQLite and PostgreSQL, fed by the real parts (listings, ledger movements, offers):
coalescing, rollback, claims, completion without lost updates."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Connection, select

from tests import factories as f
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.sync import listing_sync, push_queue
from truecount.domain.commands import AddProduct, CreateChannel, PostMovement, VariantSpec
from truecount.services.catalog import records as catalog
from truecount.services.channels.setup import create_channel
from truecount.services.common.scope import Scope
from truecount.services.offers.listings import add_listing, link_many
from truecount.services.stock.movements import record_movement
from truecount.services.sync import leases


@pytest.fixture
def listing(db: Database, scope: Scope) -> tuple[int, int]:
    """A real eBay listing of MUG (no stock yet); linking it queued its first offer, 0, as version 1."""
    f.location(db, scope, "WH1")
    f.variant(db, scope, "MUG")
    channel = create_channel(
        db, scope, CreateChannel("shop", "ebay", ["WH1"], config={"base_url": "http://127.0.0.1:9"})
    )
    created = add_listing(db, scope, "shop", "MUG", "MUG")
    assert queued(db, scope) == [(0, 1)]
    return created.id, channel.id


def queued_in(conn: Connection, scope: Scope) -> list[tuple[int, int]]:
    """The merchant's queue rows as (quantity, version)."""
    rows = conn.execute(
        select(push_queue.c.quantity, push_queue.c.version).where(push_queue.c.merchant_id == scope.merchant_id)
    )
    return [(int(q), int(v)) for q, v in rows]


def queued(db: Database, scope: Scope) -> list[tuple[int, int]]:
    with db.read() as conn:
        return queued_in(conn, scope)


def push_all(db: Database, scope: Scope, channel_id: int) -> None:
    """What a worker does when every send lands: claim what is due and complete it."""
    while batch := leases.claim(db, scope.merchant_id, channel_id, "w0", limit=100, lease_s=30):
        leases.complete(db, scope.merchant_id, channel_id, "w0", batch, {})


def test_pushes_for_one_listing_coalesce_to_the_newest_quantity(
    db: Database, scope: Scope, listing: tuple[int, int]
) -> None:
    for quantity in (5, 1, 1):
        f.receive(db, scope, "MUG", quantity, "WH1")
    assert queued(db, scope) == [(7, 4)]  # one row; versions 2, 3, 4 overwrote the 0 of version 1


def test_a_change_that_rolls_back_queues_nothing(db: Database, scope: Scope, listing: tuple[int, int]) -> None:
    push_all(db, scope, listing[1])
    with pytest.raises(RuntimeError), db.write() as conn:
        record_movement(conn, scope, PostMovement("receive", "MUG", "WH1", 5))
        assert queued_in(conn, scope) == [(5, 2)]  # queued in the movement's own transaction…
        raise RuntimeError("the act failed after the movement")
    assert queued(db, scope) == []  # …and gone with it
    f.receive(db, scope, "MUG", 4, "WH1")
    assert queued(db, scope) == [(4, 2)]


def test_a_value_queued_while_a_push_is_in_flight_stays_queued(
    db: Database, scope: Scope, listing: tuple[int, int]
) -> None:
    listing_id, channel_id = listing
    push_all(db, scope, channel_id)
    f.receive(db, scope, "MUG", 5, "WH1")
    [claim] = leases.claim(db, scope.merchant_id, channel_id, "w1", limit=10, lease_s=30)
    assert (claim.listing_id, claim.quantity) == (listing_id, 5)
    assert leases.claim(db, scope.merchant_id, channel_id, "w2", limit=10, lease_s=30) == []  # leased
    f.move(db, scope, "adjust", "MUG", "WH1", -1, reason="breakage")
    assert leases.complete(db, scope.merchant_id, channel_id, "w1", [claim], {}) == 1
    assert queued(db, scope) == [(4, 3)]
    [again] = leases.claim(db, scope.merchant_id, channel_id, "w2", limit=10, lease_s=30)
    assert (again.quantity, again.last_pushed) == (4, 5)
    leases.complete(db, scope.merchant_id, channel_id, "w2", [again], {})
    assert queued(db, scope) == []


def test_a_worker_that_lost_its_lease_queues_the_newest_value_again(
    db: Database, scope: Scope, listing: tuple[int, int]
) -> None:
    listing_id, channel_id = listing
    push_all(db, scope, channel_id)
    f.receive(db, scope, "MUG", 5, "WH1")
    [slow] = leases.claim(db, scope.merchant_id, channel_id, "slow", limit=10, lease_s=0)
    f.move(db, scope, "adjust", "MUG", "WH1", -2, reason="breakage")
    [fast] = leases.claim(db, scope.merchant_id, channel_id, "fast", limit=10, lease_s=30)
    assert (slow.quantity, fast.quantity) == (5, 3)
    leases.complete(db, scope.merchant_id, channel_id, "fast", [fast], {})
    leases.complete(db, scope.merchant_id, channel_id, "slow", [slow], {})  # its 5 may have landed after 3
    with db.read() as conn:
        pushed = conn.execute(
            select(listing_sync.c.pushed_quantity).where(listing_sync.c.listing_id == listing_id)
        ).scalar()
    assert pushed == 3
    assert queued(db, scope) == [(3, 4)]  # versions keep growing: v4 is newer than every send so far


def test_concurrent_workers_never_claim_the_same_listing(db: Database, scope: Scope, listing: tuple[int, int]) -> None:
    _, channel_id = listing
    skus = [f"S{n}" for n in range(60)]
    catalog.add_product(db, scope, AddProduct("Spoons", [VariantSpec(sku) for sku in skus]))
    with db.write() as conn:
        assert link_many(conn, scope.merchant_id, "shop", [(sku, sku) for sku in skus]) == 60  # queues 60 offers
    with db.read() as conn:
        query = select(push_queue.c.listing_id).where(push_queue.c.merchant_id == scope.merchant_id)
        ids = [int(i) for i in conn.execute(query).scalars()]
    assert len(ids) == 61  # and MUG's first offer
    claimed: list[list[int]] = []
    lock = threading.Lock()

    def work(name: str) -> None:
        while batch := leases.claim(db, scope.merchant_id, channel_id, name, limit=7, lease_s=30):
            with lock:
                claimed.append([c.listing_id for c in batch])

    threads = [threading.Thread(target=work, args=(f"w{n}",)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    flat = [i for batch in claimed for i in batch]
    assert sorted(flat) == sorted(ids)  # every row claimed exactly once
