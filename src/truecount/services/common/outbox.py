"""The transactional outbox: what other parts of the system must hear about, written in the
transaction that caused it (so it is never lost and never sent for a rolled-back change).

- :func:`emit_event` appends a domain event (``oversell_incident``, ``tracker_alert``…) to
  the ``events`` table; dashboards and alerting read them by id.

Pushes of offered quantities to channels are the sync package's outbox
(:func:`truecount.services.sync.push_queue.queue_pushes`).
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
