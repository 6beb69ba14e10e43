"""The channel-order port: what the sync work calls for a channel's order events — an order created,
cancelled or refunded — each applied once per idempotency key (:class:`OrdersServiceSink`, wired by
:func:`truecount.services.bootstrap.wire` as the sync package's order sink)."""

from __future__ import annotations

from collections.abc import Container
from dataclasses import asdict, dataclass, replace
from typing import Any

from sqlalchemy import Connection, select

from truecount.adapters.channels.base import ChannelOrder
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.orders import orders
from truecount.domain.commands import LineChange, OrderLineSpec, PlaceOrder
from truecount.domain.errors import NotFound
from truecount.services.channels.setup import load_channel
from truecount.services.common import lookups
from truecount.services.common.idempotency import run_once
from truecount.services.common.outbox import emit_event
from truecount.services.common.retry import with_retry
from truecount.services.common.scope import Scope
from truecount.services.orders.engine import Also
from truecount.services.orders.fulfilment import apply_change_without_answer, change_order
from truecount.services.orders.place import place_order
from truecount.services.orders.results import Order
from truecount.services.orders.views import order_view


@dataclass(frozen=True, slots=True)
class ChannelOrderIngested:
    """A channel's order as ingested: the order booked from its known lines (``None``: no line named a
    known SKU, nothing recorded) and the lines set aside because truecount does not know their SKU."""

    channel: str
    external_id: str
    order: Order | None
    unknown_lines: list[OrderLineSpec]


def channel_order(channel: str, order: ChannelOrder) -> PlaceOrder:
    """A channel's ``created`` order event as an order of the channel: its external id, and a line for
    each of its lines (the SKU and the units it names). Every path that books one maps it here."""
    return PlaceOrder(channel, order.external_id, [OrderLineSpec(line.sku, line.quantity) for line in order.lines])


def known_part(cmd: PlaceOrder, known_skus: Container[str]) -> tuple[PlaceOrder | None, list[OrderLineSpec]]:
    """What of a channel's order is booked: the order of its lines whose SKU names a variant (``None``:
    no line does), and the lines set aside because it does not (see :func:`ingest_channel_order`)."""
    known = [spec for spec in cmd.lines if spec.sku in known_skus]
    unknown = [spec for spec in cmd.lines if spec.sku not in known_skus]
    if len(known) == len(cmd.lines):
        return cmd, unknown
    return (replace(cmd, lines=known) if known else None), unknown


def ingest_channel_order(
    db: Database,
    scope: Scope,
    cmd: PlaceOrder,
    *,
    key: str | None = None,
    also: Also | None = None,
    known_skus: set[str] | None = None,
) -> ChannelOrderIngested:
    """A channel's ``created`` order event (:func:`channel_order`): ingested once per (channel, external
    id), never refused for stock.
    ``also``: a write made in the order's own transaction (the event's and the delivery's records).
    ``known_skus``: which of the lines' SKUs name a variant, when the caller has read it (a webhook reads
    it with its delivery); else it is read here.

    A line whose SKU truecount does not know (a tip, a custom item, a product not set up here) cannot be
    booked; refusing the whole order would leave its known lines unbooked while the channel retried for
    days. Such lines are set aside: listed in the answer (``unknown_lines``) and, unless the order is a
    replay, reported as an outbox event ``channel_order_unknown_sku`` for the alerts. An order with no
    known line at all records nothing (``order`` is ``None``).
    """
    if known_skus is None:
        with db.read() as conn:
            known_skus = lookups.known_skus(conn, scope.merchant_id, {spec.sku for spec in cmd.lines if spec.sku})
    booked, unknown = known_part(cmd, known_skus)
    order = place_order(db, scope, booked, key, also=also) if booked is not None else None
    if unknown and not (order is not None and order.replayed):
        payload = {"channel": cmd.channel, "external_id": cmd.external_id, "lines": [asdict(spec) for spec in unknown]}
        with db.write() as conn:
            emit_event(conn, scope.merchant_id, "channel_order_unknown_sku", payload)
    return ChannelOrderIngested(cmd.channel, cmd.external_id, order, unknown)


def find_channel_order(db: Database, scope: Scope, channel: str, external_id: str) -> int:
    """The id of the order a channel knows as ``external_id``."""
    with db.read() as conn:
        found = conn.execute(
            select(orders.c.id).where(
                orders.c.merchant_id == scope.merchant_id,
                orders.c.channel_id == load_channel(conn, scope.merchant_id, channel).id,
                orders.c.external_id == external_id,
            )
        ).scalar()
    if found is None:
        raise NotFound(f"no order {external_id!r} from channel {channel!r}", field="external_id")
    return int(found)


def cancel_channel_order(
    db: Database, scope: Scope, channel: str, external_id: str, *, key: str | None = None
) -> Order:
    """A channel cancelled an order: what is booked is released, what is owed is forgotten."""
    order_id = find_channel_order(db, scope, channel, external_id)
    return change_order(db, scope, "cancel", order_id, None, key)


def return_channel_order(
    db: Database, scope: Scope, channel: str, external_id: str, lines: list[dict[str, Any]], *, key: str | None = None
) -> Order:
    """A channel refunded an order: shipped units of the named lines come back (good, where they left),
    the open rest of those lines is cancelled — one transaction, once per ``key``. A line with
    ``"restock": false`` brings nothing back (the customer keeps it) but still cancels what was not
    shipped; a line the order does not have (a custom item, a fee) is skipped.
    """
    order_id = find_channel_order(db, scope, channel, external_id)
    payload = {"refund": order_id, "lines": lines}

    def attempt() -> Order:
        with db.write() as conn:
            return run_once(conn, scope.merchant_id, key, payload, lambda: _refund(conn, scope, order_id, lines), Order)

    return with_retry(attempt)


def _refund(conn: Connection, scope: Scope, order_id: int, lines: list[dict[str, Any]]) -> Order:
    current = {line.sku: line for line in order_view(conn, scope.merchant_id, order_id).lines}
    back, drop = [], []
    for line in lines:
        sku, quantity = str(line["sku"]), int(line["quantity"])
        held = current.get(sku)
        if held is None:  # not a line truecount booked (a custom item, a fee): nothing to undo
            continue
        ret = min(quantity, held.fulfilled - held.returned)
        rest = min(quantity - ret, held.quantity - held.fulfilled - held.cancelled)
        if ret > 0 and line.get("restock", True):
            back.append(LineChange(sku, ret))
        if rest > 0:
            drop.append(LineChange(sku, rest))
    if drop:
        apply_change_without_answer(conn, scope, "cancel", order_id, drop)
    if back:
        apply_change_without_answer(conn, scope, "return", order_id, back)
    return order_view(conn, scope.merchant_id, order_id)


class OrdersServiceSink:
    """The sync package's order sink (:class:`truecount.services.sync.ports.OrderSink`), served by this
    module: a channel's order events become orders, cancellations and refunds, once per key."""

    def apply(
        self,
        db: Database,
        scope: Scope,
        channel_code: str,
        order: ChannelOrder,
        key: str,
        also: Also | None = None,
        known_skus: set[str] | None = None,
    ) -> Order | None:
        """The order as the event leaves it (``None``: a created order naming no known SKU, nothing recorded)."""
        if order.event == "created":
            cmd = channel_order(channel_code, order)
            return ingest_channel_order(db, scope, cmd, key=key, also=also, known_skus=known_skus).order
        if order.event == "cancelled":
            return cancel_channel_order(db, scope, channel_code, order.external_id, key=key)
        lines = [{"sku": line.sku, "quantity": line.quantity, "restock": line.restock} for line in order.lines]
        return return_channel_order(db, scope, channel_code, order.external_id, lines, key=key)
