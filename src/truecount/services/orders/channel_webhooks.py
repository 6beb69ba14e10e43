"""Channel order webhooks on the event loop's group commit (the API's path): concurrent deliveries to
one channel share one read and one write transaction.

A delivery that is plainly the common case waits on the loop (:func:`.group_commit.submit_async`):
a merchant that exists, a channel this process keeps (:mod:`truecount.services.sync.webhook_channels`),
a signature that verifies with it, a delivery id, and one ``created`` order whose lines all name a SKU
(no listing reference) and would pass :func:`.place.validate_order`. The signature is verified and the
body parsed on the loop (about 60 µs of CPU for an ordinary order) unless the body is larger than
:data:`INLINE_BODY_BYTES`, then in a worker thread. Each shared transaction's worker thread then

1. reads once for the whole group (:func:`~truecount.services.sync.webhook_channels.check_group`): the
   channel's row (confirming the kept channel each delivery was verified with), which delivery ids and
   event ids were recorded before, which SKUs name a variant;
2. books the group's orders in one transaction (:func:`.engine.book`, the order sink's idempotency
   key), each order's event record and delivery record written in that transaction (a delivery is
   never recorded without its order);
3. answers each delivery as :func:`~truecount.services.sync.ingest.handle_webhook` would: ``accepted``
   with the events applied now, or ``duplicate`` for a delivery id recorded before (or a copy of one
   in the same group, answered after its first copy).

Everything else takes the full path, :func:`~truecount.services.sync.ingest.handle_webhook` in a worker
thread, which answers it exactly as before: an unknown channel, a signature the kept channel refuses
(checked against a fresh read: a new secret, else the 401, nothing written), a body that does not parse
(refused, recorded), a delivery without id, other topics, a line with an unknown SKU or a listing
reference, an event already applied under another delivery id, a channel whose row changed, an order
the booking refuses (the full path books it again and records the refusal).

No rule is written here again: both paths find the merchant with
:func:`~truecount.services.sync.ingest.merchant_by_code` (an unknown one is the 401 of
:func:`~truecount.services.sync.ingest.webhook_scope`), verify and parse with
:func:`~truecount.services.sync.webhook_channels.opened`, answer a duplicate delivery id and an event
applied before, and key the booking, by :mod:`truecount.domain.webhooks`, and map a channel's order
to an order with :func:`.channel_orders.channel_order` (its unknown SKUs: :func:`.channel_orders.known_part`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial

from sqlalchemy import Connection

from truecount.adapters.channels.base import ChannelOrder, WebhookDelivery
from truecount.adapters.db.bulk import insert_many
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.sync import channel_order_events, webhook_deliveries
from truecount.domain import webhooks
from truecount.domain.commands import PlaceOrder
from truecount.domain.errors import InvalidInput, TruecountError
from truecount.domain.webhooks import WebhookAnswer
from truecount.services.channels.setup import Channel
from truecount.services.common.scope import Scope
from truecount.services.orders import channel_orders, engine, group_commit
from truecount.services.orders.place import validate_order
from truecount.services.orders.results import Order
from truecount.services.sync import ingest, webhook_channels

INLINE_BODY_BYTES = 16_384  # verified and parsed on the loop up to this size, else in a worker thread


@dataclass(frozen=True, slots=True)
class FullPath:
    """A group's answer for a delivery it leaves to the full path (``reason``: why)."""

    reason: str


@dataclass(frozen=True, slots=True)
class Plain:
    """A delivery on the group path: the kept channel it verified with, what it carries, its order."""

    kept: webhook_channels.Kept
    channel: Channel
    delivery: WebhookDelivery
    order: ChannelOrder
    cmd: PlaceOrder
    headers: Mapping[str, str]
    raw_body: bytes


Answer = WebhookAnswer | FullPath


async def receive_webhook_async(
    db: Database, merchant_code: str, channel_code: str, headers: Mapping[str, str], raw_body: bytes, max_quantity: int
) -> WebhookAnswer:
    """A webhook addressed by merchant code and channel code, for a caller on an event loop: the same
    answers and refusals as :func:`~truecount.services.sync.ingest.receive_webhook` (see the module)."""
    m = ingest.kept_merchant(db, merchant_code)
    if m is None:
        m = await asyncio.to_thread(ingest.merchant_by_code, db, merchant_code)
    scope = ingest.webhook_scope(m, channel_code, max_quantity)
    item = await _plain(db, scope, channel_code, headers, raw_body)
    if item is not None:
        answer: Answer = await group_commit.submit_async(db, scope, item, *_runners(db, scope))
        if isinstance(answer, WebhookAnswer):
            return answer
    return await asyncio.to_thread(ingest.handle_webhook, db, scope, channel_code, headers, raw_body)


async def _plain(
    db: Database, scope: Scope, channel_code: str, headers: Mapping[str, str], raw_body: bytes
) -> Plain | None:
    """The delivery, when it is the common case (see the module); else ``None``."""
    kept = webhook_channels.kept(db, scope.merchant_id, channel_code)
    if kept is None:
        kept = await asyncio.to_thread(webhook_channels.channel, db, scope.merchant_id, channel_code)
    if len(raw_body) > INLINE_BODY_BYTES:
        delivery = await asyncio.to_thread(webhook_channels.opened, kept, headers, raw_body)
    else:
        delivery = webhook_channels.opened(kept, headers, raw_body)
    channel = kept.channel
    if channel is None or not isinstance(delivery, WebhookDelivery) or not delivery.delivery_id:
        return None
    if len(delivery.orders) != 1:
        return None
    (order,) = delivery.orders
    if not isinstance(order, ChannelOrder) or order.event != "created" or any(line.ref for line in order.lines):
        return None
    cmd = channel_orders.channel_order(channel.code, order)
    try:
        validate_order(cmd, scope)
    except InvalidInput:
        return None
    return Plain(kept, channel, delivery, order, cmd, headers, raw_body)


def _runners(
    db: Database, scope: Scope
) -> tuple[Callable[[list[Plain]], list[Answer | TruecountError]], Callable[[Plain], Answer]]:
    """How a group of deliveries is answered (one read, one write), and how one is answered alone (the
    full path: a group that failed as a whole)."""

    def run_group(items: list[Plain]) -> list[Answer | TruecountError]:
        return list[Answer | TruecountError](_answer_group(db, scope, items))

    def run_one(item: Plain) -> Answer:
        return ingest.handle_webhook(db, scope, item.channel.code, item.headers, item.raw_body)

    return run_group, run_one


def _answer_group(db: Database, scope: Scope, items: list[Plain]) -> list[Answer]:
    """Each delivery answered by the rules of :mod:`truecount.domain.webhooks`, as
    :func:`~truecount.services.sync.ingest.handle_webhook` answers it, or left to it."""
    checked = webhook_channels.check_group(
        db,
        scope.merchant_id,
        items[0].channel.code,
        [item.delivery.delivery_id for item in items],
        [item.order.event_id for item in items],
        {line.sku for item in items for line in item.cmd.lines},
    )
    answers: list[Answer | None] = [None] * len(items)
    first: dict[str, int] = {}  # a delivery id's first copy in the group
    booked: list[int] = []
    for n, item in enumerate(items):
        key = webhooks.delivery_key(item.delivery.delivery_id)
        if item.kept.row != checked.row:
            answers[n] = FullPath("the channel changed since it was kept")
        elif (duplicate := webhooks.repeated(item.delivery.delivery_id, checked.recorded)) is not None:
            answers[n] = duplicate
        elif webhooks.applied_before(item.order.event_id, checked.seen):
            answers[n] = FullPath("the event was applied under another delivery id")
        elif channel_orders.known_part(item.cmd, checked.known)[1]:
            answers[n] = FullPath("a line names an unknown SKU")
        elif key not in first:
            first[key] = n
            booked.append(n)
    recorded: set[str] = set()  # the delivery ids this group records
    if booked:
        keyed: list[engine.Keyed] = [
            (items[n].cmd, webhooks.order_key(items[n].channel.code, items[n].order.event_id)) for n in booked
        ]
        applied: dict[int, int] = {}
        record = partial(_record, scope, [items[n] for n in booked], booked, applied)
        results = engine.book(db, scope, keyed, after=record)
        for n, result in zip(booked, results, strict=True):
            if isinstance(result, TruecountError):
                answers[n] = FullPath(f"the booking refused it: {result}")
            else:
                answers[n] = webhooks.accepted(items[n].delivery.delivery_id, applied[n])
                recorded.add(webhooks.delivery_key(items[n].delivery.delivery_id))
    # a copy of a delivery earlier in the group is answered as a repeat of it (recorded now), else
    # left to the full path with its first copy
    return [
        answer
        if answer is not None
        else webhooks.repeated(item.delivery.delivery_id, recorded)
        or FullPath("a copy of a delivery left to the full path")
        for item, answer in zip(items, answers, strict=True)
    ]


def _record(
    scope: Scope,
    items: list[Plain],
    numbers: list[int],
    applied: dict[int, int],
    conn: Connection,
    answers: list[Order | TruecountError],
) -> None:
    """In the booking's transaction: the records of the events and the deliveries whose orders were
    answered (two statements for the group); ``applied``: for each of those, whether its event is
    recorded now (the first delivery of an event recorded before by none)."""
    answered = [(n, item) for n, item, answer in zip(numbers, items, answers, strict=True) if isinstance(answer, Order)]
    rows = {n: ingest.event_row(scope, item.channel, item.order) for n, item in answered}
    events = {row["event_id"]: row for row in reversed(rows.values())}  # one row an event
    inserted = insert_many(conn, channel_order_events, [*events.values()], returning=("event_id",), skip_conflicts=True)
    new = {str(event_id) for (event_id,) in inserted}
    deliveries = [ingest.delivery_row(scope, item.channel, item.delivery) for _, item in answered]
    insert_many(conn, webhook_deliveries, deliveries, skip_conflicts=True)
    for n, _ in answered:
        applied[n] = int(rows[n]["event_id"] in new)
        new.discard(rows[n]["event_id"])  # a second delivery of the same event applied nothing
