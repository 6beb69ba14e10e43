"""The whole chain with the real parts: listings and offers (channel-offer work), channel order ingest
(booking work), the outbox, the worker and the connectors, against the emulators."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests import factories as f
from tests.sync.conftest import channel_config, state, wait_for
from truecount.adapters.db.engine import Database
from truecount.emulators.runner import RunningEmulator
from truecount.services import sync_ports
from truecount.services.channels import CreateChannel, create_channel
from truecount.services.listings import add_listing
from truecount.services.scope import Scope
from truecount.services.stock import stock
from truecount.services.sync_worker import WorkerOptions, start_in_background

REFS = {"shopify": "101@7", "amazon": "MUG", "ebay": "MUG", "woocommerce": "55"}


@pytest.fixture
def real_ports() -> Iterator[None]:
    sync_ports.use(directory=sync_ports.SqlListingDirectory(), sink=sync_ports.OrdersServiceSink())
    yield


def test_orders_polled_from_amazon_and_ebay_are_booked_and_every_channel_shows_the_rest(
    db: Database, scope: Scope, emu: dict[str, RunningEmulator], real_ports: None
) -> None:
    f.location(db, scope, "WH1")
    f.variant(db, scope, "MUG")
    f.receive(db, scope, "MUG", 10, "WH1")
    for kind, ref in REFS.items():
        push = "interval" if kind == "amazon" else "immediate"
        config = channel_config(kind, emu[kind].url, order_poll_s=0.2)
        create_channel(db, scope, CreateChannel(kind, kind, ["WH1"], push=push, push_interval_s=1, config=config))
        assert add_listing(db, scope, kind, "MUG", ref)["quantity"] == 10
    options = WorkerOptions(poll_interval_s=0.05, lease_s=5.0, channel_refresh_s=0.1, merchant_id=scope.merchant_id)
    stop = start_in_background(db, options)
    try:
        shown = lambda: {kind: state(emu[kind])["listings"].get(ref) for kind, ref in REFS.items()}  # type: ignore[attr-defined]  # noqa: E731
        assert wait_for(lambda: set(shown().values()) == {10}, 15), shown()
        for kind, quantity in (("amazon", 1), ("ebay", 2)):
            lines = [{"ref": "MUG", "quantity": quantity}]
            httpx.post(emu[kind].url + "/_emulator/orders", json={"lines": lines}).raise_for_status()
        assert wait_for(lambda: set(shown().values()) == {7}, 15), shown()
    finally:
        stop()
    [level] = stock(db, scope, "MUG")
    assert (level["on_hand"], level["booked"], level["available"]) == (10, 3, 7)
