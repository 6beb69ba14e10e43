"""Tables for orders, bookings, backorders, oversell incidents (migration 0003_orders)."""

from __future__ import annotations
