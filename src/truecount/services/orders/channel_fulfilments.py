"""Tracking given when an order is fulfilled by the seller (``order fulfil … --tracking T --carrier C``, the
API's ``tracking``/``carrier``: :func:`fulfil_order`) goes to the channel the order came from: a fulfilment
is queued in the same transaction (``sync.fulfilments``) for an order of a channel truecount pushes to
(Shopify, Amazon, eBay, WooCommerce), naming the lines this act shipped and whether the order is now
complete. Orders of other channels keep no tracking.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict

from sqlalchemy import Connection, select

from truecount.adapters.channels.base import FulfilmentItem, FulfilmentLine
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import variants
from truecount.adapters.db.tables.channels import channels
from truecount.adapters.db.tables.orders import order_lines, orders
from truecount.domain.commands import LineChange
from truecount.domain.fulfilments import Tracking, check_tracking
from truecount.services.common.idempotency import run_once
from truecount.services.common.retry import with_retry
from truecount.services.common.scope import Scope
from truecount.services.orders.fulfilment import apply_change, change_order, check_changes
from truecount.services.orders.results import Order
from truecount.services.sync.fulfilments import queue_fulfilment
from truecount.services.sync.push import PUSH_KINDS


def fulfil_order(
    db: Database,
    scope: Scope,
    order_id: int,
    lines: list[LineChange] | None = None,
    key: str | None = None,
    tracking: Tracking | None = None,
) -> Order:
    """Fulfil (``change_order(… "fulfil" …)``), and with ``tracking`` queue its push to the order's channel in
    the same transaction (what this act shipped: the order's fulfilled units before and after it)."""
    if tracking is None:
        return change_order(db, scope, "fulfil", order_id, lines, key)
    check_changes(scope, lines)
    check_tracking(tracking)
    payload = {
        "act": "fulfil",
        "order": order_id,
        "lines": [asdict(c) for c in lines] if lines is not None else None,
        "tracking": asdict(tracking),
    }

    def act(conn: Connection) -> Order:
        before = _fulfilled(conn, scope.merchant_id, order_id)
        done = apply_change(conn, scope, "fulfil", order_id, lines)
        after = _fulfilled(conn, scope.merchant_id, order_id)
        shipped = [(sku, after[n][1] - units) for n, (sku, units) in enumerate(before) if after[n][1] > units]
        queue_shipped(conn, scope.merchant_id, order_id, shipped, tracking)
        return done

    def attempt() -> Order:
        with db.write() as conn:
            return run_once(conn, scope.merchant_id, key, payload, lambda: act(conn), Order)

    return with_retry(attempt)


def _fulfilled(conn: Connection, m: int, order_id: int) -> list[tuple[str, int]]:
    """(SKU, units fulfilled) per line of the order, in line order."""
    rows = conn.execute(
        select(variants.c.sku, order_lines.c.fulfilled)
        .join(variants, variants.c.id == order_lines.c.variant_id)
        .where(order_lines.c.merchant_id == m, order_lines.c.order_id == order_id)
        .order_by(order_lines.c.line_no)
    )
    return [(str(sku), int(units)) for sku, units in rows]


def queue_shipped(conn: Connection, m: int, order_id: int, shipped: list[tuple[str, int]], tracking: Tracking) -> bool:
    """Queue the push of ``shipped`` ((SKU, units) this act shipped) with ``tracking``; whether one was queued.
    Its key names the order, the tracking and the order's fulfilled units after this act, so a later
    shipment under the same tracking number is a push of its own."""
    order = conn.execute(
        select(orders.c.channel_id, orders.c.external_id, orders.c.status, channels.c.kind)
        .join(channels, channels.c.id == orders.c.channel_id)
        .where(orders.c.merchant_id == m, orders.c.id == order_id)
    ).one()
    if order.kind not in PUSH_KINDS or not shipped:
        return False
    fulfilled = [
        int(f)
        for (f,) in conn.execute(
            select(order_lines.c.fulfilled)
            .where(order_lines.c.merchant_id == m, order_lines.c.order_id == order_id)
            .order_by(order_lines.c.line_no)
        )
    ]
    units: dict[str, int] = {}
    for sku, quantity in shipped:
        units[sku] = units.get(sku, 0) + quantity
    digest = hashlib.sha256(json.dumps([tracking.carrier, tracking.number, sorted(units.items()), fulfilled]).encode())
    item = FulfilmentItem(
        order_ref=str(order.external_id),
        key=f"order:{order_id}:{digest.hexdigest()[:32]}",
        carrier=tracking.carrier,
        tracking=tracking.number,
        lines=tuple(FulfilmentLine(sku, quantity) for sku, quantity in units.items()),
        complete=order.status == "fulfilled",
        tracking_url=tracking.url,
    )
    queue_fulfilment(conn, m, int(order.channel_id), item)
    return True
