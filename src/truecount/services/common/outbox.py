"""The transactional outbox: what other parts of the system must hear about, written in the
transaction that caused it (so it is never lost and never sent for a rolled-back change).

- :func:`emit_event` appends a domain event (``oversell_incident``, ``tracker_alert``…) to
  the ``events`` table; dashboards and alerting read them by id.
- :func:`queue_push` queues the newest offered quantity of one channel listing for the
  sync worker (coalescing: only the newest value per listing matters).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, insert

from truecount.adapters.db.tables.channels import events
from truecount.services.common.scope import db_time, utcnow


def emit_event(conn: Connection, merchant_id: int, topic: str, payload: dict[str, Any]) -> None:
    """Append one event in the caller's transaction."""
    conn.execute(
        insert(events).values(
            merchant_id=merchant_id, topic=topic, payload=json.dumps(payload, default=str), at=db_time(utcnow())
        )
    )


def queue_push(conn: Connection, merchant_id: int, listing_id: int, quantity: int) -> None:
    """Queue the newest offered quantity of a listing for its channel, in the caller's transaction.

    Coalesces per listing (only the newest value is sent); never lost once committed; nothing is
    queued if the transaction rolls back. See :mod:`truecount.services.sync.push_queue`.
    """
    from truecount.services.sync.push_queue import queue_push as _queue_push

    _queue_push(conn, merchant_id, listing_id, quantity)


def queue_pushes(conn: Connection, merchant_id: int, items: list[tuple[int, int]]) -> None:
    """:func:`queue_push` for many ``(listing_id, quantity)`` pairs at once (one batched upsert)."""
    from truecount.services.sync.push_queue import queue_pushes as _queue_pushes

    _queue_pushes(conn, merchant_id, items)
