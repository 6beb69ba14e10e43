"""The seam where a channel order owes units no location covered (its backorders were just written).

The orders package calls :func:`owed` in the order's transaction, once per order that owes
something, with the variants owed; the listeners wired here (in one place,
:func:`truecount.services.bootstrap.wire`) run in that transaction. Only orders that owe
something pay for it: a fully booked order never reaches this seam.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import Connection

Listener = Callable[[Connection, int, set[int]], None]

_listeners: tuple[Listener, ...] = ()


def wire(listeners: Sequence[Listener]) -> None:
    """Run ``listeners``, in this order, whenever an order owes (replaces any earlier wiring)."""
    global _listeners
    _listeners = tuple(listeners)


def listeners() -> tuple[Listener, ...]:
    return _listeners


def owed(conn: Connection, merchant_id: int, variant_ids: set[int]) -> None:
    """Announce that an order now owes units of ``variant_ids`` (inside the order's transaction)."""
    if variant_ids:
        for listener in _listeners:
            listener(conn, merchant_id, variant_ids)
