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

Every path that answers a delivery verifies and parses it here (:func:`opened`, with a connector built
once per kept channel) and reads what was recorded before with :func:`check` or :func:`check_group`,
so the signature check and the duplicate and applied-before lookups are written once.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, select

from truecount.adapters.channels import WEBHOOK_KINDS, connector_for
from truecount.adapters.channels.base import Connector, WebhookDelivery
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.channels import channels
from truecount.adapters.db.tables.sync import channel_order_events, webhook_deliveries
from truecount.domain.errors import NotFound
from truecount.domain.webhooks import delivery_key, event_key
from truecount.services.channels.setup import Channel, load_channel
from truecount.services.common.lookups import known_skus
from truecount.services.sync.connectors import connector_config

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
#: per channel id: the kept channel a verifying connector was built for, and that connector
_verifiers: dict[int, tuple[Kept, Connector]] = {}
_verifiers_mutex = threading.Lock()


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
    """What the read of deliveries to one channel found: ``row``: the channel's row now (a delivery
    verified with a kept channel of another row is not confirmed); ``recorded``: the delivery ids
    recorded before; ``seen``: the event ids recorded before (both as recorded,
    :func:`~truecount.domain.webhooks.delivery_key`, :func:`~truecount.domain.webhooks.event_key`);
    ``known``: which SKUs name a variant."""

    row: Row | None
    recorded: frozenset[str] = frozenset()
    seen: frozenset[str] = frozenset()
    known: frozenset[str] = frozenset()


def check(db: Database, m: int, kept: Kept, delivery_id: str, event_ids: Sequence[str], skus: set[str]) -> Checked:
    """A delivery's one read transaction: the channel confirmed (``row`` is ``kept.row``, see the
    module), then the delivery, its events and its SKUs."""
    assert kept.channel is not None
    return _checked(db, m, kept.channel.code, [delivery_id], event_ids, skus)


def check_group(
    db: Database, m: int, code: str, delivery_ids: Sequence[str], event_ids: Sequence[str], skus: set[str]
) -> Checked:
    """:func:`check` for several deliveries to the channel ``code`` at once: one read transaction, a
    statement each for the channel's row, the delivery ids, the event ids and the SKUs."""
    return _checked(db, m, code, delivery_ids, event_ids, skus)


def _checked(
    db: Database, m: int, code: str, delivery_ids: Sequence[str], event_ids: Sequence[str], skus: set[str]
) -> Checked:
    with db.read() as conn:
        row = _row(conn, m, code)
        if row is None:
            return Checked(None)
        channel_id = row[0]
        d = webhook_deliveries.c
        keys = sorted({delivery_key(delivery_id) for delivery_id in delivery_ids})
        found = conn.execute(
            select(d.delivery_id).where(d.merchant_id == m, d.channel_id == channel_id, d.delivery_id.in_(keys))
        )
        recorded = frozenset(str(delivery_id) for delivery_id in found.scalars())
        seen = seen_events(conn, m, channel_id, event_ids)
        return Checked(row, recorded, seen, frozenset(known_skus(conn, m, skus)))


def seen_events(conn: Connection, m: int, channel_id: int, event_ids: Iterable[str]) -> frozenset[str]:
    """Which of the events were recorded before (their keys, :func:`~truecount.domain.webhooks.event_key`)."""
    keys = sorted({event_key(event_id) for event_id in event_ids})
    if not keys:
        return frozenset()
    e = channel_order_events.c
    found = conn.execute(select(e.event_id).where(e.merchant_id == m, e.channel_id == channel_id, e.event_id.in_(keys)))
    return frozenset(str(event_id) for event_id in found.scalars())


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A delivery signed with the channel's secret whose body is not its topic's schema (``reason``)."""

    reason: str


def opened(kept: Kept, headers: Mapping[str, str], raw_body: bytes) -> WebhookDelivery | Unreadable | None:
    """The delivery verified with the kept channel and parsed: ``None`` when the kept channel cannot
    verify it (no such channel, one that sends no webhooks or is not connected, a signature it refuses);
    :class:`Unreadable` when it is signed but does not parse."""
    connector = verifier(kept)
    if connector is None:
        return None
    try:
        if not connector.verify_webhook(headers, raw_body):
            return None
        return connector.parse_webhook(headers, raw_body)
    except ValueError as error:
        return Unreadable(str(error))


def verifier(kept: Kept) -> Connector | None:
    """The connector that verifies and parses the kept channel's deliveries (``None``: no channel, one
    that sends no webhooks, or one not connected), built once per kept channel: its secrets decrypted
    once; verifying and parsing never call the channel, so it opens no connection to close."""
    channel = kept.channel
    if channel is None or channel.kind not in WEBHOOK_KINDS:
        return None
    with _verifiers_mutex:
        found = _verifiers.get(channel.id)
    if found is not None and found[0] is kept:
        return found[1]
    try:
        connector = connector_for(channel.kind, connector_config(channel))
    except ValueError:  # not connected
        return None
    with _verifiers_mutex:
        _verifiers[channel.id] = (kept, connector)
        while len(_verifiers) > SIZE:
            del _verifiers[next(iter(_verifiers))]
    return connector


def _row(conn: Connection, m: int, code: str) -> Row | None:
    found = conn.execute(_ROW, {"m": m, "code": code}).first()
    return tuple(found) if found is not None else None
