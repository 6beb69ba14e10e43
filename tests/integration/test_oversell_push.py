"""An oversell queues the new (zero) quantity to every channel at once, in the order's transaction."""

from __future__ import annotations

from sqlalchemy import select

from tests import factories as f
from tests import offer_factories as of
from tests import order_factories as o
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.sync import push_queue
from truecount.services.common.scope import Scope
from truecount.services.orders.views import list_incidents


def queued(db: Database, scope: Scope) -> dict[int, int]:
    with db.read() as conn:
        rows = conn.execute(
            select(push_queue.c.listing_id, push_queue.c.quantity).where(push_queue.c.merchant_id == scope.merchant_id)
        )
        return {int(lid): int(q) for lid, q in rows}


def test_an_oversold_channel_order_queues_zero_to_every_channel_listing_the_variant(db: Database, scope: Scope) -> None:
    f.location(db, scope, "WH1")
    f.variant(db, scope, "TEE")
    f.receive(db, scope, "TEE", 3, "WH1")
    of.channel(db, scope, "web", ["WH1"])
    of.channel(db, scope, "ebay", ["WH1"], kind="ebay")
    web = of.listing(db, scope, "web", "TEE")
    ebay = of.listing(db, scope, "ebay", "TEE", {"sku": "TEE"})
    assert queued(db, scope) == {web: 3, ebay: 3}
    o.order(db, scope, "E1", ("TEE", 5), channel="ebay")  # sold 5 of 3: 2 oversold
    assert [i.quantity for i in list_incidents(db, scope)] == [2]
    assert queued(db, scope) == {web: 0, ebay: 0}
