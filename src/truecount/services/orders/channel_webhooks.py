"""Channel order webhooks on the event loop's group commit (the API's path): concurrent deliveries to
one channel share one read and one write transaction.

A delivery that is plainly the common case waits on the loop (:func:`.group_commit.submit_async`):
a merchant this process has found before, a channel it keeps (:mod:`truecount.services.sync.webhook_channels`),
a signature that verifies with it, a delivery id, and one ``created`` order whose lines all name a SKU
(no listing reference) and would pass :func:`.place.validate_order`. The signature is verified and the
body parsed on the loop (about 60 µs of CPU for an ordinary order) unless the body is larger than
:data:`INLINE_BODY_BYTES`, then in a worker thread. Each shared transaction's worker thread then

1. reads once for the whole group (:func:`~truecount.services.sync.webhook_channels.check_group`): the
   channel's row (confirming the kept channel each delivery was verified with), which delivery ids and
   event ids were recorded before, which SKUs name a variant;
2. books the group's orders in one transaction (:func:`.engine.book`, idempotency key
   ``channel:CODE:EVENT_ID`` as the order sink uses), each order's event record and delivery record
   written in that transaction (a delivery is never recorded without its order);
3. answers each delivery as :func:`~truecount.services.sync.ingest.handle_webhook` would: ``accepted``
   with the events applied now, or ``duplicate`` for a delivery id recorded before (or a copy of one
   in the same group, answered after its first copy).

Everything else takes the full path, :func:`~truecount.services.sync.ingest.receive_webhook` in a worker
thread, which answers it exactly as before: an unknown merchant or channel, a signature the kept channel
refuses (checked against a fresh read: a new secret, else the 401, nothing written), a body that does
not parse (refused, recorded), a delivery without id, other topics, a line with an unknown SKU or a
listing reference, an event already applied under another delivery id, a channel whose row changed, an
order the booking refuses (the full path books it again and records the refusal). Merchants are never
renamed or removed, so a merchant code found once names the same merchant for the process's life.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial

from sqlalchemy import Connection, Engine

from truecount.adapters.channels import WEBHOOK_KINDS, connector_for
from truecount.adapters.channels.base import ChannelOrder, Connector, WebhookDelivery
from truecount.adapters.db.bulk import insert_many
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.sync import channel_order_events, webhook_deliveries
from truecount.domain.commands import OrderLineSpec, PlaceOrder
from truecount.domain.errors import InvalidInput, TruecountError
from truecount.services.channels.setup import Channel
from truecount.services.common.scope import Scope
from truecount.services.orders import engine, group_commit
from truecount.services.orders.place import validate_order
from truecount.services.orders.results import Order
from truecount.services.sync import ingest, webhook_channels
from truecount.services.sync.connectors import connector_config
from truecount.services.sync.ingest import WebhookAnswer

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

_merchants: weakref.WeakKeyDictionary[Engine, dict[str, int]] = weakref.WeakKeyDictionary()
_merchants_mutex = threading.Lock()
#: per channel id: the kept channel a connector was built for, and that connector (see :func:`_verifier`)
_verifiers: dict[int, tuple[webhook_channels.Kept, Connector]] = {}
_verifiers_mutex = threading.Lock()


async def receive_webhook_async(
    db: Database, merchant_code: str, channel_code: str, headers: Mapping[str, str], raw_body: bytes, max_quantity: int
) -> WebhookAnswer:
    """A webhook addressed by merchant code and channel code, for a caller on an event loop: the same
    answers and refusals as :func:`~truecount.services.sync.ingest.receive_webhook` (see the module)."""
    m = _merchant(db, merchant_code)
    if m is None:
        m = await asyncio.to_thread(_read_merchant, db, merchant_code)
    if m is not None:
        scope = Scope(m, f"webhook:{channel_code}", max_quantity)
        item = await _plain(db, scope, channel_code, headers, raw_body)
        if item is not None:
            answer: Answer = await group_commit.submit_async(db, scope, item, *_runners(db, scope))
            if isinstance(answer, WebhookAnswer):
                return answer
    return await asyncio.to_thread(
        ingest.receive_webhook, db, merchant_code, channel_code, headers, raw_body, max_quantity
    )


def _merchant(db: Database, code: str) -> int | None:
    with _merchants_mutex:
        return _merchants.get(db.engine, {}).get(code)


def _read_merchant(db: Database, code: str) -> int | None:
    found = ingest.merchant_by_code(db, code)
    if found is not None:
        with _merchants_mutex:
            _merchants.setdefault(db.engine, {})[code] = found
    return found


async def _plain(
    db: Database, scope: Scope, channel_code: str, headers: Mapping[str, str], raw_body: bytes
) -> Plain | None:
    """The delivery, when it is the common case (see the module); else ``None``."""
    kept = webhook_channels.kept(db, scope.merchant_id, channel_code)
    if kept is None:
        kept = await asyncio.to_thread(webhook_channels.channel, db, scope.merchant_id, channel_code)
    channel = kept.channel
    if channel is None or channel.kind not in WEBHOOK_KINDS:
        return None
    if len(raw_body) > INLINE_BODY_BYTES:
        delivery = await asyncio.to_thread(_parsed, kept, headers, raw_body)
    else:
        delivery = _parsed(kept, headers, raw_body)
    if delivery is None or not delivery.delivery_id or len(delivery.orders) != 1:
        return None
    (order,) = delivery.orders
    if not isinstance(order, ChannelOrder) or order.event != "created":
        return None
    if not order.lines or any(line.ref or not line.sku for line in order.lines):
        return None
    cmd = PlaceOrder(channel.code, order.external_id, [OrderLineSpec(line.sku, line.quantity) for line in order.lines])
    try:
        validate_order(cmd, scope)
    except InvalidInput:
        return None
    return Plain(kept, channel, delivery, order, cmd, headers, raw_body)


def _parsed(kept: webhook_channels.Kept, headers: Mapping[str, str], raw_body: bytes) -> WebhookDelivery | None:
    """The delivery, verified with the kept channel and parsed; ``None`` for anything the full path must
    answer (a channel not connected, a signature refused, a body that does not parse)."""
    connector = _verifier(kept)
    if connector is None:
        return None
    try:
        if not connector.verify_webhook(headers, raw_body):
            return None
        return connector.parse_webhook(headers, raw_body)
    except ValueError:
        return None


def _verifier(kept: webhook_channels.Kept) -> Connector | None:
    """The connector that verifies and parses the kept channel's deliveries, built once per kept channel
    (its secrets decrypted once; verifying and parsing never call the channel)."""
    channel = kept.channel
    assert channel is not None
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
        while len(_verifiers) > webhook_channels.SIZE:
            del _verifiers[next(iter(_verifiers))]
    return connector


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
    ids = [item.delivery.delivery_id[:128] for item in items]
    skus = {line.sku for item in items for line in item.cmd.lines}
    checked = webhook_channels.check_group(
        db, scope.merchant_id, items[0].channel.code, ids, [item.order.event_id for item in items], skus
    )
    answers: list[Answer | None] = [None] * len(items)
    first: dict[str, int] = {}  # a delivery id's first copy in the group
    booked: list[int] = []
    for n, item in enumerate(items):
        if item.kept.row != checked.row:
            answers[n] = FullPath("the channel changed since it was kept")
        elif ids[n] in checked.duplicates:
            answers[n] = WebhookAnswer("duplicate", item.delivery.delivery_id, 0)
        elif item.order.event_id in checked.seen:
            answers[n] = FullPath("the event was applied under another delivery id")
        elif any(line.sku not in checked.known for line in item.cmd.lines):
            answers[n] = FullPath("a line names an unknown SKU")
        elif ids[n] not in first:
            first[ids[n]] = n
            booked.append(n)
    if booked:
        keyed: list[engine.Keyed] = [
            (items[n].cmd, f"channel:{items[n].channel.code}:{items[n].order.event_id}") for n in booked
        ]
        applied: dict[int, int] = {}
        record = partial(_record, scope, [items[n] for n in booked], booked, applied)
        results = engine.book(db, scope, keyed, after=record)
        for n, result in zip(booked, results, strict=True):
            answers[n] = (
                FullPath(f"the booking refused it: {result}")
                if isinstance(result, TruecountError)
                else WebhookAnswer("accepted", items[n].delivery.delivery_id, applied[n])
            )
    out: list[Answer] = []
    for n, item in enumerate(items):
        answer = answers[n]
        if answer is None:  # a copy of a delivery earlier in the group: answered as a repeat of it
            answer = (
                WebhookAnswer("duplicate", item.delivery.delivery_id, 0)
                if isinstance(answers[first[ids[n]]], WebhookAnswer)
                else FullPath("a copy of a delivery left to the full path")
            )
        out.append(answer)
    return out


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
