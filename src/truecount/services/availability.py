"""The seam where a change to a variant's availability fans out (channel offers, outbox, alerts).

The write path calls :func:`changed` inside its own transaction, once per act, with
every variant whose levels moved. Listeners registered here run in that transaction,
so what they write commits or rolls back with the movement.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection

Listener = Callable[[Connection, int, set[int]], None]

_listeners: list[Listener] = []


def subscribe(listener: Listener) -> None:
    """Run ``listener(conn, merchant_id, variant_ids)`` after every availability change."""
    if listener not in _listeners:
        _listeners.append(listener)


def changed(conn: Connection, merchant_id: int, variant_ids: set[int]) -> None:
    for listener in _listeners:
        listener(conn, merchant_id, variant_ids)
