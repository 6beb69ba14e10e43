"""The answers of a batch booked set-based (:mod:`batch_booking`): one per command, built from what
was just written, in the shape :func:`order_views.order_view` reads back — without reading it
back, except for an order with a backorder or a drop-ship supplier, answered as the one-order
path answers it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from truecount.domain.errors import InsufficientStock
from truecount.domain.model import LocationKind
from truecount.services.common.scope import as_utc
from truecount.services.orders.batch_plan import BatchOrder
from truecount.services.orders.batch_reads import ChannelCache
from truecount.services.orders.booking import ChannelFacts
from truecount.services.orders.dropship import request_purchase_orders
from truecount.services.orders.views import order_view


def answers(
    conn: Connection,
    m: int,
    fresh: list[BatchOrder],
    refused: dict[int, InsufficientStock | None],
    channels: ChannelCache,
    now: datetime,
) -> list[dict[str, Any] | InsufficientStock]:
    """Each command's answer, built from what was just written (an order with a backorder or a drop-ship
    supplier is read back, as the one-order path answers)."""
    out: list[dict[str, Any] | InsufficientStock] = []
    created_at = as_utc(now).isoformat()  # one moment for the whole batch
    views = {code: _Viewer(facts, created_at) for code, facts in channels.items()}
    for order in fresh:
        if order.replayed:
            out.append({**order_view(conn, m, order.order_id), "replayed": True})
            continue
        error = refused[id(order)]
        if error is not None:
            out.append(error)
            continue
        viewer = views[order.cmd.channel]
        if viewer.dropship and any(t.location_id in viewer.dropship for ts in order.takes for t in ts):
            request_purchase_orders(conn, m, order.order_id, order.channel.code, order.cmd.external_id, order.line_ids)
        if any(order.short):
            out.append(order_view(conn, m, order.order_id))
            continue
        out.append(viewer.view(order))
    return out


_DROPSHIP = LocationKind.DROPSHIP.value


class _Viewer:
    """Answers for one channel's orders: the same shape :func:`order_views.order_view` reads back,
    built from what was just written (the codes looked up once per batch, not per order)."""

    def __init__(self, facts: ChannelFacts, created_at: str) -> None:
        self.created_at = created_at
        self.locations = {loc: site.code for loc, site in facts.sites.items()}
        self.types = facts.type_codes
        self.dropship = {loc for loc, site in facts.sites.items() if site.kind == _DROPSHIP}

    def view(self, order: BatchOrder) -> dict[str, Any]:
        lines = []
        for i, (line, takes) in enumerate(zip(order.cmd.lines, order.takes, strict=True), start=1):
            if len(takes) > 1:
                takes = sorted(takes, key=lambda t: (t.location_id, t.inventory_type_id))
            held = [
                {"sku": line.sku, "location": self.locations[t.location_id],
                 "inventory_type": self.types[t.inventory_type_id], "quantity": t.quantity, "shipped": 0,
                 "released": 0, "open": t.quantity}
                for t in takes
            ]  # fmt: skip
            lines.append(
                {"line": i, "sku": line.sku, "quantity": line.quantity, "fulfilled": 0, "cancelled": 0,
                 "returned": 0, "bookings": held, "backorder": {"open": 0, "preorder": False, "items": []}}
            )  # fmt: skip
        return {
            "id": order.order_id,
            "channel": order.channel.code,
            "external_id": order.cmd.external_id,
            "strict": order.cmd.strict,
            "status": "open",
            "created_at": self.created_at,
            "lines": lines,
        }
