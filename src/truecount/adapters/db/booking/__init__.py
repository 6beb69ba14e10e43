"""The booking store: the port the booking engine reads its view through and writes its plans with,
one implementation per backend.

- :meth:`BookingStore.read` — what a plan is made from, in the caller's transaction: each name's
  variant (by SKU, else by barcode; bundles with their components), the free stock of those
  variants at the given places, and which of the given orders are recorded already; with
  ``lock``, the levels are read locked, in the global lock order (variant, location, type).
- :meth:`BookingStore.write` — a plan's new orders, in the caller's transaction: the orders, their
  lines, the guarded update ``booked + q … WHERE on_hand - booked >= q`` once per level for the
  batch's total there, and — only where it hits — a ``book`` movement and a booking per take. When
  any level is not hit, an order turns out recorded meanwhile, or a :class:`Checks` fails, it raises
  :class:`Missed`: the caller's transaction must roll back (rows may be written).

:func:`store_for` picks the implementation: :mod:`.sqlite` (set-based statements) or :mod:`.postgres`
(everything in one statement).
"""

from __future__ import annotations

from sqlalchemy import Connection

from .port import Batch, BookingStore, Checks, Missed, NewOrders, Scope, StockRead, Written
from .postgres import POSTGRES
from .sqlite import SQLITE

__all__ = ["Batch", "BookingStore", "Checks", "Missed", "NewOrders", "Scope", "StockRead", "Written", "store_for"]


def store_for(conn: Connection) -> BookingStore:
    """The booking store of ``conn``'s backend."""
    return POSTGRES if conn.dialect.name == "postgresql" else SQLITE
