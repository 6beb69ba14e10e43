"""A stale supplier's location out of the channel pools, and back: inside the caller's transaction.

Dropping deletes the location's rows of ``channel_locations`` (so every reader — offers, the booking
engine, the pages — sees the pool without it) and remembers each channel and the place the location
had there on the feed (``dropped``); the channels' listings are recomputed, which queues their pushes.
Restoring puts the rows back where they were, for the channels that still exist and do not list the
location again meanwhile, and recomputes those channels.
"""

from __future__ import annotations

import json

from sqlalchemy import Connection, delete, select, update

from truecount.adapters.db.tables.channels import channel_locations, channels
from truecount.adapters.db.tables.feeds import supplier_feeds
from truecount.services.common.sql import insert_ignore
from truecount.services.offers.recompute import recompute_channel

_cl = channel_locations.c


def drop(conn: Connection, m: int, feed_id: int, location_id: int) -> list[int]:
    """Take the location out of every channel's pool; returns the channels it left."""
    held = conn.execute(
        select(_cl.channel_id, _cl.position)
        .where(_cl.merchant_id == m, _cl.location_id == location_id)
        .order_by(_cl.channel_id)
    ).all()
    remembered = [[int(ch), int(pos)] for ch, pos in held]
    conn.execute(update(supplier_feeds).where(supplier_feeds.c.id == feed_id).values(dropped=json.dumps(remembered)))
    conn.execute(delete(channel_locations).where(_cl.merchant_id == m, _cl.location_id == location_id))
    for channel_id, _ in remembered:
        recompute_channel(conn, m, channel_id)
    return [ch for ch, _ in remembered]


def restore(conn: Connection, m: int, feed_id: int, location_id: int, dropped: str) -> list[int]:
    """Put the location back into the pools it was dropped from; returns the channels it rejoined."""
    remembered = [(int(ch), int(pos)) for ch, pos in json.loads(dropped)]
    alive = {
        int(ch)
        for ch in conn.execute(
            select(channels.c.id).where(channels.c.merchant_id == m, channels.c.id.in_([c for c, _ in remembered]))
        ).scalars()
    }
    back = []
    for channel_id, position in remembered:
        row = {"merchant_id": m, "channel_id": channel_id, "location_id": location_id, "position": position}
        if channel_id in alive and insert_ignore(conn, channel_locations, row):
            back.append(channel_id)
    conn.execute(update(supplier_feeds).where(supplier_feeds.c.id == feed_id).values(dropped=None))
    for channel_id in back:
        recompute_channel(conn, m, channel_id)
    return back
