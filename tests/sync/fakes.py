"""Stand-ins for the two ports the sync work needs from work not yet on main (see sync_ports):

- :class:`MemoryListings`: a listing directory (listing id → channel, channel ref, SKU), until the
  channel-offer work's ``listings`` table exists;
- :class:`LedgerSink` + :func:`offer_pool`: channel orders become real ledger movements
  (``adjust``), and every availability change queues the variant's available pool to each of its
  listings through the real outbox — the offers and booking work replace both.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from sqlalchemy import Connection, func, select

from truecount.adapters.channels.base import ChannelOrder
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import variants
from truecount.adapters.db.tables.ledger import stock_levels
from truecount.services import availability, outbox, sync_ports
from truecount.services.movements import PostMovement, post_movement
from truecount.services.scope import Scope
from truecount.services.sync_ports import ListingRef

_ids = itertools.count(1_000_000)


class MemoryListings:
    """Listings per (database, merchant): merchant ids repeat across the SQLite and PostgreSQL runs."""

    def __init__(self) -> None:
        self.by_merchant: dict[tuple[str, int], dict[int, ListingRef]] = {}

    def add(self, db: Database, merchant_id: int, channel_id: int, external_ref: str, sku: str) -> int:
        listing_id = next(_ids)
        ref = ListingRef(listing_id, channel_id, external_ref, sku)
        self.by_merchant.setdefault((str(db.engine.url), merchant_id), {})[listing_id] = ref
        return listing_id

    def of(self, conn: Connection, merchant_id: int) -> dict[int, ListingRef]:
        return self.by_merchant.get((str(conn.engine.url), merchant_id), {})

    def refs(self, conn: Connection, merchant_id: int, listing_ids: list[int]) -> dict[int, ListingRef]:
        known = self.of(conn, merchant_id)
        return {i: known[i] for i in listing_ids if i in known}

    def of_channel(self, conn: Connection, merchant_id: int, channel_id: int) -> list[ListingRef]:
        return [ref for ref in self.of(conn, merchant_id).values() if ref.channel_id == channel_id]

    def dump(self, db: Database, merchant_id: int) -> str:
        return json.dumps(
            [ref.__dict__ for ref in self.by_merchant.get((str(db.engine.url), merchant_id), {}).values()]
        )

    def load(self, db: Database, merchant_id: int, dumped: str) -> None:
        self.by_merchant[(str(db.engine.url), merchant_id)] = {
            r["listing_id"]: ListingRef(**r) for r in json.loads(dumped)
        }


class LedgerSink:
    """Channel orders as adjustments at one location (sold: −q, cancelled: +q, refunded: +q)."""

    def __init__(self, location: str) -> None:
        self.location = location
        self.applied: list[tuple[str, str, str]] = []

    def apply(self, db: Database, scope: Scope, channel_code: str, order: ChannelOrder, key: str) -> dict[str, Any]:
        sign = -1 if order.event == "created" else 1
        for n, line in enumerate(order.lines):
            cmd = PostMovement(
                "adjust", line.sku, self.location, sign * line.quantity, reason=f"{channel_code} order {order.event}"
            )
            post_movement(db, scope, cmd, key=f"{key}:{n}")
        self.applied.append((channel_code, order.external_id, order.event))
        return {"ok": True}


LISTINGS = MemoryListings()


def pool(conn: Connection, merchant_id: int, sku: str) -> int:
    vid = conn.execute(
        select(variants.c.id).where(variants.c.merchant_id == merchant_id, variants.c.sku == sku)
    ).scalar_one()
    total = conn.execute(
        select(func.coalesce(func.sum(stock_levels.c.on_hand - stock_levels.c.booked), 0)).where(
            stock_levels.c.merchant_id == merchant_id, stock_levels.c.variant_id == vid
        )
    ).scalar_one()
    return int(total)


def _offer_pool(conn: Connection, merchant_id: int, variant_ids: set[int]) -> None:
    """Queue each listing of a changed variant with the variant's available pool (all locations)."""
    listings = LISTINGS.of(conn, merchant_id)
    if not listings:
        return
    for vid in variant_ids:
        sku = conn.execute(select(variants.c.sku).where(variants.c.id == vid)).scalar_one()
        quantity = pool(conn, merchant_id, sku)
        for ref in listings.values():
            if ref.sku == sku:
                outbox.queue_push(conn, merchant_id, ref.listing_id, quantity)


def install(location: str = "WH1") -> LedgerSink:
    """Wire the stand-ins into this process (idempotent); returns the sink."""
    sink = LedgerSink(location)
    sync_ports.use(directory=LISTINGS, sink=sink)
    availability.subscribe(_offer_pool)
    return sink
