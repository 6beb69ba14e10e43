"""Oversell incidents: a line that could not be booked in full, recorded and announced."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert, select

from truecount.adapters.db.tables.catalog import variants
from truecount.adapters.db.tables.orders import incidents
from truecount.services.common.outbox import emit_event


def record_incident(
    conn: Connection,
    m: int,
    order_id: int,
    line_id: int,
    vid: int,
    channel_id: int,
    quantity: int,
    cause: str,
    now: datetime,
) -> None:
    conn.execute(
        insert(incidents).values(
            merchant_id=m,
            kind="oversell",
            order_id=order_id,
            order_line_id=line_id,
            variant_id=vid,
            channel_id=channel_id,
            quantity=quantity,
            cause=cause,
            created_at=now,
        )
    )
    sku = conn.execute(select(variants.c.sku).where(variants.c.id == vid)).scalar()
    emit_event(
        conn,
        m,
        "oversell_incident",
        {"order_id": order_id, "order_line_id": line_id, "sku": sku, "quantity": quantity, "cause": cause},
    )
