"""The fulfilment outbox: shipments with tracking, queued in the caller's transaction and pushed to the
channel the order came from by the sync worker (``fulfilment_push``).

:func:`queue_fulfilment` is called in the transaction that ships the order lines: rolled back, nothing is
queued; committed, the push is never lost. A row is keyed by (merchant, ``item.key``): queuing the same
key again with the same content does nothing (a retried shipment), with other content is refused
(:class:`~truecount.domain.errors.IdempotencyConflict`). Each row is pushed at most once: it ends
``pushed`` or ``refused`` and stays, with its outcome, for the status views.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, case, func, select
from sqlalchemy.dialects import postgresql, sqlite

from truecount.adapters.channels.base import FulfilmentItem, FulfilmentLine
from truecount.adapters.db.engine import after_commit
from truecount.adapters.db.tables.sync import fulfilment_outbox as fo
from truecount.domain import fulfilments as rules
from truecount.domain.errors import IdempotencyConflict
from truecount.services.common.scope import db_time, utcnow
from truecount.services.sync.push_queue import NUDGE


def queue_fulfilment(conn: Connection, merchant_id: int, channel_id: int, item: FulfilmentItem) -> None:
    """Queue ``item`` for the channel ``channel_id``, in the caller's transaction (idempotent on ``item.key``).

    Raises :class:`~truecount.domain.errors.InvalidInput` naming the field (empty carrier or tracking, no
    lines, a quantity below 1…) and :class:`~truecount.domain.errors.IdempotencyConflict` when the key was
    queued before with another order, channel, carrier, tracking or lines."""
    rules.check_fulfilment(
        key=item.key,
        order_ref=item.order_ref,
        carrier=item.carrier,
        tracking=item.tracking,
        tracking_url=item.tracking_url,
        lines=[(line.sku, line.quantity) for line in item.lines],
    )
    now = db_time(utcnow())
    row = {
        "merchant_id": merchant_id,
        "key": item.key,
        "channel_id": channel_id,
        "order_ref": item.order_ref,
        "carrier": item.carrier,
        "tracking": item.tracking,
        "tracking_url": item.tracking_url,
        "lines": encode_lines(item.lines),
        "complete": item.complete,
        "state": rules.QUEUED,
        "queued_at": now,
        "attempts": 0,
        "next_attempt_at": now,
    }
    dialect: Any = postgresql if conn.dialect.name == "postgresql" else sqlite
    inserted = conn.execute(
        dialect.insert(fo).values(row).on_conflict_do_nothing(index_elements=["merchant_id", "key"]).returning(fo.c.key)
    ).first()
    if inserted is not None:
        after_commit(conn, NUDGE.notify)
        return
    before = conn.execute(
        select(fo.c.channel_id, fo.c.order_ref, fo.c.carrier, fo.c.tracking, fo.c.lines).where(
            fo.c.merchant_id == merchant_id, fo.c.key == item.key
        )
    ).one()
    same = (
        int(before.channel_id) == channel_id
        and before.order_ref == item.order_ref
        and before.carrier == item.carrier
        and before.tracking == item.tracking
        and decode_lines(before.lines) == tuple(item.lines)
    )
    if not same:
        raise IdempotencyConflict(
            f"fulfilment {item.key!r} was queued before with another order, channel, carrier, tracking or lines",
            field="key",
        )


def encode_lines(lines: Sequence[FulfilmentLine]) -> str:
    return json.dumps([{"sku": line.sku, "quantity": line.quantity, "ref": line.ref} for line in lines])


def decode_lines(text: str) -> tuple[FulfilmentLine, ...]:
    return tuple(FulfilmentLine(str(d["sku"]), int(d["quantity"]), d.get("ref")) for d in json.loads(text))


@dataclass(frozen=True)
class Fulfilment:
    """One row of the outbox as the status views show it."""

    key: str
    channel_id: int
    order_ref: str
    carrier: str
    tracking: str
    tracking_url: str | None
    lines: tuple[FulfilmentLine, ...]
    complete: bool
    state: str  # queued | pushed | refused
    queued_at: datetime
    attempts: int
    last_error: str | None
    done_at: datetime | None  # when it was pushed or refused

    @property
    def failing(self) -> bool:
        """Queued, and its last try failed (it is retried with backoff)."""
        return self.state == rules.QUEUED and self.last_error is not None

    def as_item(self) -> FulfilmentItem:
        return FulfilmentItem(
            order_ref=self.order_ref,
            key=self.key,
            carrier=self.carrier,
            tracking=self.tracking,
            lines=self.lines,
            complete=self.complete,
            tracking_url=self.tracking_url,
        )


def fulfilment_view(r: Any) -> Fulfilment:
    """A row of the outbox as a :class:`Fulfilment`."""
    return Fulfilment(
        key=r.key,
        channel_id=int(r.channel_id),
        order_ref=r.order_ref,
        carrier=r.carrier,
        tracking=r.tracking,
        tracking_url=r.tracking_url,
        lines=decode_lines(r.lines),
        complete=bool(r.complete),
        state=r.state,
        queued_at=r.queued_at,
        attempts=int(r.attempts),
        last_error=r.last_error,
        done_at=r.done_at,
    )


def fulfilment(conn: Connection, merchant_id: int, key: str) -> Fulfilment | None:
    """The outbox row of ``key`` (None: never queued)."""
    r = conn.execute(select(fo).where(fo.c.merchant_id == merchant_id, fo.c.key == key)).first()
    return None if r is None else fulfilment_view(r)


def fulfilments(
    conn: Connection,
    merchant_id: int,
    *,
    channel_id: int | None = None,
    order_ref: str | None = None,
    state: str | None = None,
    limit: int = 100,
) -> list[Fulfilment]:
    """Outbox rows, oldest first, optionally of one channel, one channel order, one state."""
    query = select(fo).where(fo.c.merchant_id == merchant_id)
    if channel_id is not None:
        query = query.where(fo.c.channel_id == channel_id)
    if order_ref is not None:
        query = query.where(fo.c.order_ref == order_ref)
    if state is not None:
        query = query.where(fo.c.state == state)
    return [fulfilment_view(r) for r in conn.execute(query.order_by(fo.c.queued_at, fo.c.key).limit(limit))]


@dataclass(frozen=True)
class FulfilmentCounts:
    """Per channel: fulfilments waiting (``queued``, of which ``failing`` failed their last try and wait
    for a retry), ``refused`` by the channel and ``pushed``; the oldest waiting one, and the last error."""

    queued: int = 0
    failing: int = 0
    refused: int = 0
    pushed: int = 0
    oldest_queued_at: datetime | None = None
    last_error: str | None = None


def fulfilment_counts(conn: Connection, merchant_id: int) -> dict[int, FulfilmentCounts]:
    """:class:`FulfilmentCounts` per channel id (channels without fulfilments are absent)."""
    queued = fo.c.state == rules.QUEUED
    rows = conn.execute(
        select(
            fo.c.channel_id,
            func.sum(case((queued, 1), else_=0)).label("queued"),
            func.sum(case((and_(queued, fo.c.last_error.is_not(None)), 1), else_=0)).label("failing"),
            func.sum(case((fo.c.state == rules.REFUSED, 1), else_=0)).label("refused"),
            func.sum(case((fo.c.state == rules.PUSHED, 1), else_=0)).label("pushed"),
            func.min(case((queued, fo.c.queued_at), else_=None)).label("oldest"),
        )
        .where(fo.c.merchant_id == merchant_id)
        .group_by(fo.c.channel_id)
    ).all()
    errors = dict(
        conn.execute(
            select(fo.c.channel_id, fo.c.last_error)
            .where(fo.c.merchant_id == merchant_id, fo.c.last_error.is_not(None), fo.c.state != rules.PUSHED)
            .order_by(fo.c.channel_id, fo.c.attempted_at)
        ).all()
    )  # the last one per channel wins
    return {
        int(r.channel_id): FulfilmentCounts(
            queued=int(r.queued or 0),
            failing=int(r.failing or 0),
            refused=int(r.refused or 0),
            pushed=int(r.pushed or 0),
            oldest_queued_at=r.oldest,
            last_error=errors.get(r.channel_id),
        )
        for r in rows
    }
