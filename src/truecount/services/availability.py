"""The seam where a change to a variant's availability fans out (backorders, channel offers, alerts).

The write path calls :func:`changed` inside its own transaction, once per act, with
every variant whose levels moved. Listeners registered here run in that transaction,
so what they write commits or rolls back with the movement.

Every process wires the same listeners: the modules in :data:`LISTENER_MODULES` are imported
on the first change (each subscribes at import), in this order — waiting backorders take
arriving stock first, then channel offers are recomputed, then health alerts are evaluated.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from sqlalchemy import Connection

Listener = Callable[[Connection, int, set[int]], None]

LISTENER_MODULES = (
    "truecount.services.backorders",
    "truecount.services.trackers",
)

_listeners: list[Listener] = []
_wired = False


def subscribe(listener: Listener) -> None:
    """Run ``listener(conn, merchant_id, variant_ids)`` after every availability change."""
    if listener not in _listeners:
        _listeners.append(listener)


def wire() -> None:
    """Import every listener module once (idempotent)."""
    global _wired
    if not _wired:
        _wired = True
        for name in LISTENER_MODULES:
            importlib.import_module(name)


def changed(conn: Connection, merchant_id: int, variant_ids: set[int]) -> None:
    if not variant_ids:
        return
    wire()
    for listener in list(_listeners):
        listener(conn, merchant_id, variant_ids)
