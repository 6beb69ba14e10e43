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
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Connection

Listener = Callable[[Connection, int, set[int]], None]

LISTENER_MODULES = (
    "truecount.services.backorders",
    "truecount.services.offers",
    "truecount.services.trackers",
)

_listeners: list[Listener] = []
_wired = False
_BATCH = "truecount_availability_batch"  # key in Connection.info while a batch is open


def subscribe(listener: Listener) -> None:
    """Run ``listener(conn, merchant_id, variant_ids)`` after every availability change."""
    if listener not in _listeners:
        _listeners.append(listener)
        _listeners.sort(key=_rank)  # the documented order, whichever module was imported first


def _rank(listener: Listener) -> int:
    module = getattr(listener, "__module__", "")
    return LISTENER_MODULES.index(module) if module in LISTENER_MODULES else len(LISTENER_MODULES)


def wire() -> None:
    """Import every listener module once (idempotent)."""
    global _wired
    if not _wired:
        _wired = True
        for name in LISTENER_MODULES:
            importlib.import_module(name)


def changed(conn: Connection, merchant_id: int, variant_ids: set[int]) -> None:
    """Announce that the levels of ``variant_ids`` moved (inside the mover's transaction)."""
    if not variant_ids:
        return
    batch: tuple[int, set[int]] | None = conn.info.get(_BATCH)
    if batch is not None and batch[0] == merchant_id:
        batch[1].update(variant_ids)
        return
    wire()
    for listener in list(_listeners):
        listener(conn, merchant_id, variant_ids)


@contextmanager
def batched(conn: Connection, merchant_id: int) -> Iterator[None]:
    """One act made of many movements (a stock import, a day of the demo): announce once, at the end.

    Inside the block :func:`changed` only collects the variant ids; when the block ends without
    an error the listeners run once with all of them, still in the caller's transaction. Use it
    only where no movement of the block depends on what a listener does in between (receives
    and counts of an import do not). A nested batch joins the outer one.
    """
    if _BATCH in conn.info:
        yield
        return
    pending: set[int] = set()
    conn.info[_BATCH] = (merchant_id, pending)
    try:
        yield
    finally:
        del conn.info[_BATCH]
    changed(conn, merchant_id, pending)
