"""Orders from channels: webhooks (Shopify, WooCommerce) verified and deduplicated by delivery id, and
polled events (Amazon, eBay) from a persisted cursor. Each event reaches the order sink exactly once
(its idempotency key is the channel's event id). The rules of a delivery (a duplicate, an event applied
before, the keys) are :mod:`truecount.domain.webhooks`; the signature check and the lookups of what
was recorded before are :mod:`.webhook_channels`: the group path
(:mod:`truecount.services.orders.channel_webhooks`) calls the same ones."""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Container, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TypedDict

from sqlalchemy import Connection, Engine, select

from truecount.adapters.channels.base import ChannelOrder, Connector, RefusedOrder, WebhookDelivery
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import merchants
from truecount.adapters.db.tables.sync import channel_order_events, webhook_deliveries
from truecount.domain.errors import InvalidInput, TruecountError, Unauthorized
from truecount.domain.webhooks import (
    WebhookAnswer,
    accepted,
    applied_before,
    delivery_key,
    event_key,
    order_key,
    repeated,
)
from truecount.services.channels.setup import Channel
from truecount.services.common.scope import Scope, db_time, utcnow
from truecount.services.common.sql import insert_ignore
from truecount.services.sync import ports as sync_ports
from truecount.services.sync import state as sync_state
from truecount.services.sync import webhook_channels

log = logging.getLogger("truecount.sync")

_merchants: weakref.WeakKeyDictionary[Engine, dict[str, int]] = weakref.WeakKeyDictionary()  # see merchant_by_code
_merchants_mutex = threading.Lock()


def apply_orders(
    db: Database,
    scope: Scope,
    channel: Channel,
    orders: Sequence[ChannelOrder | RefusedOrder],
    *,
    polled: bool = False,
    seen: set[str] | None = None,
    delivery: DeliveryRecord | None = None,
    known_skus: set[str] | None = None,
) -> int:
    """Hand each not-yet-seen order event to the sink; returns how many were applied now. A malformed order
    (:class:`RefusedOrder`) is recorded as refused, never applied. ``polled``: an order the orders service
    refuses is recorded as refused too and the others still land (a webhook's refusal is its answer).

    ``seen``: the event ids already recorded, when the caller read them (else each is read here).
    ``known_skus``: which SKUs of the orders' lines that name no listing reference name a variant, when
    the caller read them (else the sink reads them).
    ``delivery``: a webhook delivery's record, written with the last event. Each event's record (and
    the delivery's) is written in the transaction that books its order when the sink can (an order
    created: one write transaction for the delivery), else in one of its own just after."""
    applied = 0
    for number, order in enumerate(orders):
        record = delivery if number == len(orders) - 1 else None
        if isinstance(order, RefusedOrder):
            refused(db, scope, channel, f"order {order.external_id or '(no id)'}", order.reason)
            _record_delivery(db, record)
            continue
        before: Container[str]
        if seen is None:
            with db.read() as conn:
                before = webhook_channels.seen_events(conn, scope.merchant_id, channel.id, [order.event_id])
        else:
            before = seen
        if applied_before(order.event_id, before):
            _record_delivery(db, record)
            continue
        try:
            applied += int(_apply_one(db, scope, channel, order, record, known_skus))
        except TruecountError as error:
            if not polled:
                raise
            refused(db, scope, channel, f"order {order.external_id} ({order.event})", str(error))
    return applied


def refused(db: Database, scope: Scope, channel: Channel, what: str, reason: str) -> None:
    """Record a refused channel order (``what``: which one) in the channel's sync status."""
    log.warning("channel %s refused %s: %s", channel.code, what, reason)
    sync_state.order_refused(db, scope.merchant_id, channel.id, f"{what}: {reason}")


def _record_delivery(db: Database, record: DeliveryRecord | None) -> None:
    if record is not None:
        with db.write() as conn:
            insert_ignore(conn, webhook_deliveries, record)


def _apply_one(
    db: Database,
    scope: Scope,
    channel: Channel,
    order: ChannelOrder,
    record: DeliveryRecord | None,
    known_skus: set[str] | None = None,
) -> bool:
    """One event to the sink, its record (and the delivery's) in the sink's transaction or just after;
    whether its record was new (the event applied now)."""
    written: list[bool] = []

    def records(conn: Connection) -> None:
        written.append(insert_ignore(conn, channel_order_events, event_row(scope, channel, order)))
        if record is not None:
            insert_ignore(conn, webhook_deliveries, record)

    if any(line.ref for line in order.lines):  # the SKUs come from the listings: read them with them
        order, known_skus = _as_sold(db, scope, channel, order), None
    key = order_key(channel.code, order.event_id)
    sync_ports.sink().apply(db, scope, channel.code, order, key, also=records, known_skus=known_skus)
    if not written:  # the sink made no write of its own to add them to (a cancellation, a refund…)
        with db.write() as conn:
            records(conn)
    return written[-1]


def _as_sold(db: Database, scope: Scope, channel: Channel, order: ChannelOrder) -> ChannelOrder:
    """Lines that name a listing of this channel (its reference) become its variant's SKU and units: a
    multi-pack listing selling N units a sale takes N units per unit ordered."""
    refs = [line.ref for line in order.lines if line.ref]
    if not refs:
        return order
    with db.read() as conn:
        sold = sync_ports.directory().sold_as(conn, scope.merchant_id, channel.id, refs)
    if not sold:
        return order
    lines = [
        replace(line, sku=found.sku, quantity=line.quantity * found.units_per_sale)
        if line.ref and (found := sold.get(line.ref)) is not None
        else line
        for line in order.lines
    ]
    return replace(order, lines=lines)


class EventRecord(TypedDict):
    """A row of ``channel_order_events``: an order event applied (each is applied once)."""

    merchant_id: int
    channel_id: int
    event_id: str
    external_id: str
    event: str
    received_at: datetime


class DeliveryRecord(TypedDict):
    """A row of ``webhook_deliveries``: a delivery answered (a repeat of its id is a duplicate)."""

    merchant_id: int
    channel_id: int
    delivery_id: str
    topic: str
    received_at: datetime


def event_row(scope: Scope, channel: Channel, order: ChannelOrder) -> EventRecord:
    """The record of an order event applied (``channel_order_events``): each is applied once."""
    return {
        "merchant_id": scope.merchant_id,
        "channel_id": channel.id,
        "event_id": event_key(order.event_id),
        "external_id": order.external_id[:128],
        "event": order.event,
        "received_at": db_time(utcnow()),
    }


def delivery_row(scope: Scope, channel: Channel, delivery: WebhookDelivery) -> DeliveryRecord:
    """The record of a webhook delivery answered (``webhook_deliveries``): a repeat of its id is a duplicate."""
    return {
        "merchant_id": scope.merchant_id,
        "channel_id": channel.id,
        "delivery_id": delivery_key(delivery.delivery_id),
        "topic": delivery.topic[:64],
        "received_at": db_time(utcnow()),
    }


def unverified() -> Unauthorized:
    """The one answer to a webhook that cannot be verified, whatever the reason (an unknown merchant, an
    unknown channel or one that sends no webhooks, a bad signature): a caller without the secret
    learns nothing about which merchants and channels exist."""
    return Unauthorized("the webhook could not be verified", field="signature")


def receive_webhook(
    db: Database, merchant_code: str, channel_code: str, headers: Mapping[str, str], raw_body: bytes, max_quantity: int
) -> WebhookAnswer:
    """A webhook addressed by merchant code and channel code (the HTTP entry point): see :func:`handle_webhook`."""
    scope = webhook_scope(merchant_by_code(db, merchant_code), channel_code, max_quantity)
    return handle_webhook(db, scope, channel_code, headers, raw_body)


def webhook_scope(merchant_id: int | None, channel_code: str, max_quantity: int) -> Scope:
    """The scope a delivery to the merchant a webhook's address names is answered in (``None``: no
    merchant has the code, :func:`unverified`)."""
    if merchant_id is None:
        raise unverified()
    return Scope(merchant_id, f"webhook:{channel_code}", max_quantity)


def merchant_by_code(db: Database, code: str) -> int | None:
    """The id of the merchant a webhook's address names, or ``None``: the one this process found before
    (:func:`kept_merchant`), else read now. Merchants are never renamed or removed, so a code found
    once names the same merchant for the process's life."""
    found = kept_merchant(db, code)
    if found is not None:
        return found
    with db.read() as conn:
        read = conn.execute(select(merchants.c.id).where(merchants.c.code == code)).scalar()
    if read is None:
        return None
    with _merchants_mutex:
        _merchants.setdefault(db.engine, {})[code] = int(read)
    return int(read)


def kept_merchant(db: Database, code: str) -> int | None:
    """The merchant ``code`` as this process found it before, without reading (``None``: not found yet)."""
    with _merchants_mutex:
        return _merchants.get(db.engine, {}).get(code)


def handle_webhook(
    db: Database, scope: Scope, channel_code: str, headers: Mapping[str, str], raw_body: bytes
) -> WebhookAnswer:
    """A channel's order webhook: 401 (:class:`Unauthorized`, :func:`unverified`) on a bad signature, an
    unknown channel or one that sends no webhooks, with nothing changed; a delivery id already seen is
    acknowledged without effect.

    The channel is the one this process keeps (:mod:`.webhook_channels`), confirmed in the delivery's
    one read with the delivery, its events and its SKUs; a channel changed since is read again."""
    m = scope.merchant_id
    kept = webhook_channels.channel(db, m, channel_code)
    for fresh in (False, True):
        if fresh:
            webhook_channels.forget(db, m, channel_code)
            kept = webhook_channels.channel(db, m, channel_code, fresh=True)
        delivery = webhook_channels.opened(kept, headers, raw_body)
        if delivery is None:  # what was kept may be stale (a new secret): refused only on a fresh read
            if fresh:
                raise unverified()
            continue
        channel = kept.channel
        assert channel is not None
        if isinstance(delivery, webhook_channels.Unreadable):  # signed, not the topic's schema: recorded
            refused(db, scope, channel, "a webhook delivery", delivery.reason)
            raise InvalidInput(f"is not a valid webhook body: {delivery.reason}", field="body")
        if not delivery.delivery_id:
            refused(
                db, scope, channel, f"a {delivery.topic or 'webhook'} delivery", "the delivery id header is missing"
            )
            raise InvalidInput("the delivery id header is missing", field="delivery_id")
        created = [order for order in delivery.orders if isinstance(order, ChannelOrder)]
        skus = {line.sku for order in created if not any(line.ref for line in order.lines) for line in order.lines}
        checked = webhook_channels.check(db, m, kept, delivery.delivery_id, [order.event_id for order in created], skus)
        if checked.row == kept.row:
            return _accept(db, scope, channel, delivery, checked)
    raise RuntimeError("the channel changed under every read of it")


def _accept(
    db: Database, scope: Scope, channel: Channel, delivery: WebhookDelivery, checked: webhook_channels.Checked
) -> WebhookAnswer:
    duplicate = repeated(delivery.delivery_id, checked.recorded)
    if duplicate is not None:
        return duplicate
    record = delivery_row(scope, channel, delivery)
    if not delivery.orders:
        _record_delivery(db, record)
        return accepted(delivery.delivery_id, 0)
    try:
        applied = apply_orders(
            db, scope, channel, delivery.orders, seen=set(checked.seen), delivery=record, known_skus=set(checked.known)
        )
    except TruecountError as error:  # the orders service refused it (an unknown order, other lines…)
        refused(db, scope, channel, f"webhook {delivery.topic} {delivery.delivery_id}", str(error))
        raise
    return accepted(delivery.delivery_id, applied)


def poll_orders(db: Database, scope: Scope, channel: Channel, connector: Connector) -> int:
    """Poll a channel's orders from its persisted cursor; the cursor moves only after the events are applied."""
    cursor = sync_state.order_cursor(db, scope.merchant_id, channel.id)
    orders, new_cursor = connector.poll_orders(cursor)
    applied = apply_orders(db, scope, channel, orders, polled=True)
    if new_cursor != cursor:
        sync_state.save_cursor(db, scope.merchant_id, channel.id, new_cursor)
    return applied
