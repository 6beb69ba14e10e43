"""A fulfilment push with tracking, queued for each channel order a shipment shipped, in the
shipment's transaction (the sync worker drains the outbox: ``services.sync.fulfilments``).

Only orders of channels whose APIs take fulfilments (``domain.shipments.FULFILLING_KINDS``); a manual
or point-of-sale channel's order ships without telling anyone. One push per (shipment, order): its key
``shipment-{id}-order-{id}`` makes a replay of the same shipment queue nothing new.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from truecount.adapters.channels.base import FulfilmentItem, FulfilmentLine
from truecount.adapters.db.tables.catalog import variants
from truecount.adapters.db.tables.channels import channels
from truecount.adapters.db.tables.orders import order_lines, orders
from truecount.domain.shipments import FULFILLING_KINDS, ShipPurchaseOrder
from truecount.services.sync.fulfilments import queue_fulfilment


def push_fulfilments(
    conn: Connection, m: int, shipment_id: int, command: ShipPurchaseOrder, shipped: dict[int, list[tuple[int, int]]]
) -> list[str]:
    """Queue one push per channel order in ``shipped`` (order id → [(order line id, units)]); returns the keys."""
    if not shipped:
        return []
    heads = conn.execute(
        select(orders.c.id, orders.c.channel_id, orders.c.external_id, channels.c.kind)
        .join(channels, channels.c.id == orders.c.channel_id)
        .where(orders.c.merchant_id == m, orders.c.id.in_(sorted(shipped)))
        .order_by(orders.c.id)
    ).all()
    keys: list[str] = []
    for head in heads:
        if head.kind not in FULFILLING_KINDS:
            continue
        rows = conn.execute(
            select(
                order_lines.c.id,
                order_lines.c.quantity,
                order_lines.c.fulfilled,
                order_lines.c.cancelled,
                variants.c.sku,
            )
            .join(variants, variants.c.id == order_lines.c.variant_id)
            .where(order_lines.c.merchant_id == m, order_lines.c.order_id == head.id)
            .order_by(order_lines.c.line_no)
        ).all()
        units = dict(shipped[int(head.id)])
        lines = tuple(FulfilmentLine(r.sku, units[int(r.id)]) for r in rows if units.get(int(r.id)))
        complete = all(int(r.fulfilled) + int(r.cancelled) >= int(r.quantity) for r in rows)
        key = f"shipment-{shipment_id}-order-{int(head.id)}"
        item = FulfilmentItem(
            head.external_id, key, command.carrier, command.tracking, lines, complete, command.tracking_url
        )
        queue_fulfilment(conn, m, int(head.channel_id), item)
        keys.append(key)
    return keys
