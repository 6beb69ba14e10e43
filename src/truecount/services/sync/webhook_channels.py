"""The channels a process verifies webhooks with, kept between deliveries, and the one read a
delivery makes.

A delivery needs its channel (its kind and its settings, the webhook secret among them) before it
can verify the signature and learn what it carries; reading it took a read transaction of its own
per delivery. So each process keeps, per database, merchant and channel code, the channel last read
with the row's columns a webhook uses (id, kind, push policy, settings as stored). A delivery
verified with a kept channel is **confirmed** in its one read (:func:`check`): the same transaction
reads those columns again, whether the delivery was seen, which of its events were, and which of its
SKUs name a variant. If the row differs (settings edited, the channel replaced or removed) the kept
channel is dropped and the caller starts again from a fresh read; a signature that a kept channel
refuses (or a kept channel of a kind that sends no webhooks) is checked again against a fresh read
before it is refused (a new secret). So no delivery is booked, and none refused as unverified, on
settings the database no longer holds. Only those columns of a kept channel are relied on: the
booking reads the channel's locations and types itself.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, select

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.channels import channels
from truecount.adapters.db.tables.sync import channel_order_events, webhook_deliveries
from truecount.domain.errors import NotFound
from truecount.services.channels.setup import Channel, load_channel
from truecount.services.common.lookups import known_skus

SIZE = 1024  # channels kept per database; beyond, the oldest is dropped

Row = tuple[Any, ...]  # the channel's columns a webhook uses, as stored

_ROW = select(channels.c.id, channels.c.kind, channels.c.push_policy, channels.c.config).where(
    channels.c.merchant_id == bindparam("m"), channels.c.code == bindparam("code")
)


@dataclass(frozen=True, slots=True)
class Kept:
    """A channel and its row as read together (``row``: ``None`` when no channel has the code)."""

    channel: Channel | None
    row: Row | None


_kept: weakref.WeakKeyDictionary[Engine, dict[tuple[int, str], Kept]] = weakref.WeakKeyDictionary()
_mutex = threading.Lock()


def channel(db: Database, m: int, code: str, *, fresh: bool = False) -> Kept:
    """The channel ``code`` of merchant ``m``: the kept one, or (``fresh``, or none kept) read now."""
    key = (m, code)
    if not fresh:
        with _mutex:
            kept = _kept.get(db.engine, {}).get(key)
        if kept is not None:
            return kept
    with db.read() as conn:
        row = _row(conn, m, code)
        try:
            found: Channel | None = load_channel(conn, m, code)
        except NotFound:
            found = None
    kept = Kept(found, row if found is not None else None)
    if found is not None:
        with _mutex:
            per_db = _kept.setdefault(db.engine, {})
            per_db.pop(key, None)
            per_db[key] = kept
            while len(per_db) > SIZE:
                del per_db[next(iter(per_db))]
    return kept


def kept(db: Database, m: int, code: str) -> Kept | None:
    """The kept channel ``code`` of merchant ``m``, without reading (``None``: none kept)."""
    with _mutex:
        return _kept.get(db.engine, {}).get((m, code))


def forget(db: Database, m: int, code: str) -> None:
    """Drop the kept channel ``code`` (its row changed, or a signature it refused)."""
    with _mutex:
        _kept.get(db.engine, {}).pop((m, code), None)


@dataclass(frozen=True, slots=True)
class Checked:
    """What a delivery's one read found: ``same``: the channel's row is still the one it was verified
    with (when not, the rest is not read); ``duplicate``: the delivery id was recorded before; ``seen``:
    its event ids recorded before; ``known``: which of its SKUs name a variant."""

    same: bool
    duplicate: bool = False
    seen: frozenset[str] = frozenset()
    known: frozenset[str] = frozenset()


def check(db: Database, m: int, kept: Kept, delivery_id: str, event_ids: Sequence[str], skus: set[str]) -> Checked:
    """One read transaction: the channel confirmed (see the module), then the delivery, its events and
    its SKUs."""
    assert kept.channel is not None
    channel_id = kept.channel.id
    with db.read() as conn:
        if _row(conn, m, kept.channel.code) != kept.row:
            return Checked(same=False)
        d = webhook_deliveries.c
        duplicate = conn.execute(
            select(d.delivery_id).where(d.merchant_id == m, d.channel_id == channel_id, d.delivery_id == delivery_id)
        ).first()
        if duplicate is not None:
            return Checked(same=True, duplicate=True)
        e = channel_order_events.c
        seen = (
            {
                str(event_id)
                for event_id in conn.execute(
                    select(e.event_id).where(
                        e.merchant_id == m, e.channel_id == channel_id, e.event_id.in_(list(event_ids))
                    )
                ).scalars()
            }
            if event_ids
            else set()
        )
        known = known_skus(conn, m, skus)
    return Checked(True, False, frozenset(seen), frozenset(known))


@dataclass(frozen=True, slots=True)
class GroupChecked:
    """What the read of a group of deliveries to one channel found: ``row``: the channel's row now (a
    delivery verified with a kept channel of another row is not confirmed); ``duplicates``: the
    delivery ids recorded before; ``seen``: the event ids recorded before; ``known``: which SKUs name a
    variant."""

    row: Row | None
    duplicates: frozenset[str] = frozenset()
    seen: frozenset[str] = frozenset()
    known: frozenset[str] = frozenset()


def check_group(
    db: Database, m: int, code: str, delivery_ids: Sequence[str], event_ids: Sequence[str], skus: set[str]
) -> GroupChecked:
    """:func:`check` for several deliveries to the channel ``code`` at once: one read transaction, a
    statement each for the channel's row, the delivery ids, the event ids and the SKUs."""
    with db.read() as conn:
        row = _row(conn, m, code)
        if row is None:
            return GroupChecked(None)
        channel_id = row[0]
        d, e = webhook_deliveries.c, channel_order_events.c
        duplicates = conn.execute(
            select(d.delivery_id).where(
                d.merchant_id == m, d.channel_id == channel_id, d.delivery_id.in_(sorted(set(delivery_ids)))
            )
        )
        recorded = frozenset(str(found) for found in duplicates.scalars())
        seen = conn.execute(
            select(e.event_id).where(
                e.merchant_id == m, e.channel_id == channel_id, e.event_id.in_(sorted(set(event_ids)))
            )
        )
        events_seen = frozenset(str(found) for found in seen.scalars())
        return GroupChecked(row, recorded, events_seen, frozenset(known_skus(conn, m, skus)))


def _row(conn: Connection, m: int, code: str) -> Row | None:
    found = conn.execute(_ROW, {"m": m, "code": code}).first()
    return tuple(found) if found is not None else None
