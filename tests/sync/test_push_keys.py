"""Shopify idempotency keys name one push: a retry reuses its key, anything else gets a new one."""

from __future__ import annotations

import httpx
from sqlalchemy import delete, select

from tests import factories as f
from tests.sync.conftest import channel_config, state, wait_for
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.offers import listings
from truecount.adapters.db.tables.sync import listing_sync, push_queue
from truecount.domain.commands import CreateChannel
from truecount.emulators.runner import RunningEmulator
from truecount.services.channels.setup import create_channel
from truecount.services.common.scope import Scope
from truecount.services.offers.listings import add_listing
from truecount.services.sync import push_queue as sync_queue
from truecount.services.sync.worker import WorkerOptions, start_in_background


def _pushed_until_shown(db: Database, scope: Scope, emulator: RunningEmulator, quantity: int) -> bool:
    options = WorkerOptions(poll_interval_s=0.05, lease_s=5.0, channel_refresh_s=0.1, merchant_id=scope.merchant_id)
    stop = start_in_background(db, options)
    try:
        return wait_for(lambda: state(emulator)["listings"] == {"101@7": quantity}, 10)
    finally:
        stop()


def test_a_reinitialised_database_pushing_to_the_same_shop_is_not_taken_for_a_retry(
    db: Database, scope: Scope, emu: dict[str, RunningEmulator]
) -> None:
    f.location(db, scope, "WH1")
    f.variant(db, scope, "MUG")
    f.receive(db, scope, "MUG", 10, "WH1")
    channel = create_channel(
        db, scope, CreateChannel("shopify", "shopify", ["WH1"], config=channel_config("shopify", emu["shopify"].url))
    )
    add_listing(db, scope, "shopify", "MUG", "101@7")
    assert _pushed_until_shown(db, scope, emu["shopify"], 10)

    # The shop moves on; truecount starts again from an empty sync state (a new database with the
    # same listing ids): its first push is the same listing, version 1, quantity and base as before.
    httpx.put(emu["shopify"].url + "/_emulator/listings/101@7", json={"quantity": 3}).raise_for_status()
    m = scope.merchant_id
    with db.write() as conn:
        conn.execute(delete(listing_sync).where(listing_sync.c.merchant_id == m))
        conn.execute(delete(push_queue).where(push_queue.c.merchant_id == m))
        listing_id = conn.execute(select(listings.c.id).where(listings.c.merchant_id == m)).scalar_one()
        sync_queue.enqueue(conn, m, int(listing_id), channel.id, 10)
    assert _pushed_until_shown(db, scope, emu["shopify"], 10), state(emu["shopify"])
    with db.read() as conn:
        assert conn.execute(select(listing_sync.c.pushed_version).where(listing_sync.c.merchant_id == m)).scalar() == 1
