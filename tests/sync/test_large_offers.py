"""A pooled offer beyond 32 bits: two locations holding 3.5 billion between them are offered whole to a
channel, queued, pushed by the worker and shown by the channel, on both backends (PostgreSQL stored
quantities as 32-bit integers before)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest
from sqlalchemy import select

from tests import factories as f
from tests.sync.conftest import channel_config, state, wait_for
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.offers import offers
from truecount.adapters.db.tables.sync import listing_sync
from truecount.domain.commands import CreateChannel
from truecount.emulators.runner import RunningEmulator, start
from truecount.services.channels.setup import create_channel
from truecount.services.common.scope import Scope
from truecount.services.offers.listings import add_listing
from truecount.services.stock.verify import verify
from truecount.services.sync.worker import WorkerOptions, start_in_background

POOL = 2_000_000_000 + 1_500_000_000  # over 2^31 - 1 (2,147,483,647)


@pytest.fixture(scope="module")
def woocommerce() -> Iterator[RunningEmulator]:
    emulator = start("woocommerce")
    yield emulator
    emulator.stop()


def test_a_pooled_offer_over_two_to_the_31_is_computed_stored_and_pushed_whole(
    db: Database, scope: Scope, woocommerce: RunningEmulator
) -> None:
    httpx.post(woocommerce.url + "/_emulator/reset").raise_for_status()
    large = replace(scope, max_quantity=10**12)
    f.location(db, scope, "WH1")
    f.location(db, scope, "WH2")
    f.variant(db, scope, "MUG")
    f.receive(db, large, "MUG", 2_000_000_000, "WH1")
    f.receive(db, large, "MUG", 1_500_000_000, "WH2")
    config = channel_config("woocommerce", woocommerce.url)
    create_channel(db, scope, CreateChannel("web", "woocommerce", ["WH1", "WH2"], config=config))
    assert add_listing(db, scope, "web", "MUG", "55").quantity == POOL
    with db.read() as conn:
        assert conn.execute(select(offers.c.quantity).where(offers.c.merchant_id == scope.merchant_id)).scalar() == POOL
    options = WorkerOptions(poll_interval_s=0.05, lease_s=5.0, channel_refresh_s=0.1, merchant_id=scope.merchant_id)
    stop = start_in_background(db, options)
    try:
        assert wait_for(lambda: state(woocommerce)["listings"].get("55") == POOL), state(woocommerce)  # type: ignore[attr-defined]
    finally:
        stop()
    with db.read() as conn:
        pushed = conn.execute(
            select(listing_sync.c.pushed_quantity).where(listing_sync.c.merchant_id == scope.merchant_id)
        ).scalar()
    assert pushed == POOL
    assert verify(db, scope) == []
