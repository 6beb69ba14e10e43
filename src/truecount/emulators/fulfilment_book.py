"""What a channel emulator keeps of the fulfilments it was sent, so tests can read them back (as they read
quantities): per order line the units fulfilled, each fulfilment as it arrived (carrier, tracking number,
lines), and an order status set through the API (WooCommerce's ``completed``).

Each emulator validates in its channel's own shape and then calls :meth:`FulfilmentBook.record`;
``GET /_emulator/fulfilments`` shows the book.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import FastAPI

from .common import EmulatorState, Order


class FulfilmentBook:
    def __init__(self, state: EmulatorState, app: FastAPI) -> None:
        self.state = state
        self.clear()
        state.on_reset.append(self.clear)
        app.get("/_emulator/fulfilments")(self.snapshot)

    def clear(self) -> None:
        self.fulfilled: dict[str, dict[str, int]] = {}  # order id → line id → units fulfilled
        self.records: list[dict[str, Any]] = []
        self.statuses: dict[str, str] = {}  # order id → a status set through the API
        self.notes: dict[str, list[dict[str, Any]]] = {}  # order id → notes (WooCommerce)

    def order(self, order_id: str) -> Order | None:
        return self.state.orders.get(order_id)

    def remaining(self, order: Order, line_id: str) -> int:
        """Units of the line not fulfilled yet (a line whose quantity is not a whole number has none)."""
        line = next((li for li in order.lines if li["line_id"] == line_id), None)
        if line is None or not isinstance(line["quantity"], int):
            return 0
        return int(line["quantity"]) - self.fulfilled.get(order.id, {}).get(line_id, 0)

    def complete(self, order: Order) -> bool:
        return all(self.remaining(order, line["line_id"]) == 0 for line in order.lines)

    def record(
        self, order: Order, lines: list[tuple[str, int]], carrier: str, tracking: str, **extra: Any
    ) -> dict[str, Any]:
        """Fulfil ``lines`` ((line id, units)) of ``order`` (the caller checked them, under the state lock)."""
        done = self.fulfilled.setdefault(order.id, {})
        for line_id, units in lines:
            done[line_id] = done.get(line_id, 0) + units
        skus = {li["line_id"]: li["sku"] for li in order.lines}
        record = {
            "id": str(len(self.records) + 1),
            "order_id": order.id,
            "lines": [{"line_id": lid, "sku": skus.get(lid), "quantity": units} for lid, units in lines],
            "carrier": carrier,
            "tracking": tracking,
            "at": time.time(),
            **extra,
        }
        self.records.append(record)
        return record

    def shipped_with(self, order_id: str, tracking: str) -> list[dict[str, Any]]:
        return [r for r in self.records if r["order_id"] == order_id and r["tracking"] == tracking]

    def snapshot(self) -> dict[str, Any]:
        with self.state.lock:
            return {
                "fulfilments": [dict(r) for r in self.records],
                "fulfilled": {oid: dict(lines) for oid, lines in self.fulfilled.items()},
                "statuses": dict(self.statuses),
                "notes": {oid: list(notes) for oid, notes in self.notes.items()},
            }
