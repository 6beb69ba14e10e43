"""Tables for orders, bookings, backorders, oversell incidents (revision 0002_orders)."""

from __future__ import annotations
