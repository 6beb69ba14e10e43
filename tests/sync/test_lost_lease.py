"""A worker that lost its lease must not replace a newer queued value with the older one it sent."""

from __future__ import annotations

from sqlalchemy import select

from tests import factories as f
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.offers import listings
from truecount.adapters.db.tables.sync import listing_sync
from truecount.domain.commands import CreateChannel
from truecount.services.channels.setup import create_channel
from truecount.services.common.scope import Scope
from truecount.services.offers.listings import add_listing
from truecount.services.sync import leases
from truecount.services.sync import push_queue as sync_queue


def test_a_slow_send_whose_lease_ran_out_leaves_the_newer_value_to_be_sent_last(db: Database, scope: Scope) -> None:
    m = scope.merchant_id
    f.location(db, scope, "WH1")
    f.variant(db, scope, "MUG")
    f.receive(db, scope, "MUG", 10, "WH1")
    channel = int(create_channel(db, scope, CreateChannel("woo", "woocommerce", ["WH1"], config={})).id)
    add_listing(db, scope, "woo", "MUG", "55")  # queues 10
    with db.read() as conn:
        listing = int(conn.execute(select(listings.c.id).where(listings.c.merchant_id == m)).scalar_one())

    [slow] = leases.claim(db, m, channel, "slow", limit=10, lease_s=0.0)  # its lease ends at once
    assert slow.quantity == 10
    with db.write() as conn:  # a sale while "slow" is still sending 10
        sync_queue.enqueue(conn, m, listing, channel, 9)
    [fast] = leases.claim(db, m, channel, "fast", limit=10, lease_s=60.0)
    assert fast.quantity == 9
    # "slow"'s 10 lands after "fast" sent 9, and "slow" completes first, while "fast" still holds the row.
    leases.complete(db, m, channel, "slow", [slow], {})
    leases.complete(db, m, channel, "fast", [fast], {})

    # The channel may show 10 now: 9, the newest value, must be sent once more — never 10.
    [again] = leases.claim(db, m, channel, "next", limit=10, lease_s=60.0)
    assert again.quantity == 9
    leases.complete(db, m, channel, "next", [again], {})
    with db.read() as conn:
        pushed = conn.execute(select(listing_sync.c.pushed_quantity).where(listing_sync.c.listing_id == listing))
        assert pushed.scalar_one() == 9
    assert leases.claim(db, m, channel, "next", limit=10, lease_s=60.0) == []


def test_a_slow_send_whose_lease_ran_out_after_the_newer_one_was_done_queues_the_newest_again(
    db: Database, scope: Scope
) -> None:
    m = scope.merchant_id
    f.location(db, scope, "WH1")
    f.variant(db, scope, "MUG")
    f.receive(db, scope, "MUG", 10, "WH1")
    channel = int(create_channel(db, scope, CreateChannel("woo", "woocommerce", ["WH1"], config={})).id)
    add_listing(db, scope, "woo", "MUG", "55")
    with db.read() as conn:
        listing = int(conn.execute(select(listings.c.id).where(listings.c.merchant_id == m)).scalar_one())
    [slow] = leases.claim(db, m, channel, "slow", limit=10, lease_s=0.0)
    with db.write() as conn:
        sync_queue.enqueue(conn, m, listing, channel, 9)
    [fast] = leases.claim(db, m, channel, "fast", limit=10, lease_s=60.0)
    leases.complete(db, m, channel, "fast", [fast], {})  # 9 sent and done; the row is gone
    leases.complete(db, m, channel, "slow", [slow], {})  # 10 may have landed after 9
    [again] = leases.claim(db, m, channel, "next", limit=10, lease_s=60.0)
    assert again.quantity == 9
