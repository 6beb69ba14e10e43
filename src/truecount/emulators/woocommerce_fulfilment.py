"""The WooCommerce emulator's order routes for fulfilments (REST API v3): ``GET /orders/{id}``, ``PUT
/orders/{id}`` (``status``: one of WooCommerce's order statuses), ``GET`` and ``POST /orders/{id}/notes``
(``note`` required, ``customer_note`` a boolean; 201 with the note). WooCommerce has no fulfilment object:
tracking travels as an order note and a finished order is set ``completed``; both are kept in the book
(``notes``, ``statuses``). An unknown order is 404 ``woocommerce_rest_shop_order_invalid_id``; a missing
or empty note is 400 ``rest_missing_callback_param``; an unknown status or a ``customer_note`` that is not
a boolean is 400 ``rest_invalid_param``. Calls share the REST rate bucket.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

from fastapi import Body, FastAPI
from fastapi.responses import JSONResponse

from .common import EmulatorState, Order
from .fulfilment_book import FulfilmentBook

API = "/wp-json/wc/v3/orders"
STATUSES = ("pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed", "checkout-draft")


class Host(Protocol):
    state: EmulatorState
    app: FastAPI

    def limit(self) -> JSONResponse | None: ...


def _error(status: int, code: str, message: str, params: dict[str, str] | None = None) -> JSONResponse:
    data: dict[str, Any] = {"status": status, **({"params": params} if params else {})}
    return JSONResponse({"code": code, "message": message, "data": data}, status_code=status)


def add_order_routes(emulator: Host) -> FulfilmentBook:
    state = emulator.state
    book = FulfilmentBook(state, emulator.app)

    def status(order: Order) -> str:
        if order.status != "open":
            return order.status  # cancelled | refunded
        return book.statuses.get(order.id, "processing")

    def shown(order: Order) -> dict[str, Any]:
        items = []
        for line in order.lines:
            parts = str(line["ref"]).split("/")
            ids = [int(p) for p in parts] if all(p.isdigit() for p in parts) else [0]
            items.append({"id": int(line["line_id"].replace("-", "")), "product_id": ids[0],
                          "variation_id": ids[1] if len(ids) == 2 else 0, "sku": line["sku"],
                          "quantity": line["quantity"]})  # fmt: skip
        return {"id": int(order.id), "status": status(order), "line_items": items}

    def invalid_id() -> JSONResponse:
        return _error(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")

    def get_order(order_id: str) -> Any:
        refused = emulator.limit()
        if refused:
            return refused
        with state.lock:
            order = book.order(order_id)
            return invalid_id() if order is None else shown(order)

    def update_order(order_id: str, body: Any = Body(...)) -> Any:
        refused = emulator.limit()
        if refused:
            return refused
        with state.lock:
            order = book.order(order_id)
            if order is None:
                return invalid_id()
            wanted = body.get("status") if isinstance(body, dict) else None
            if wanted is not None:
                if wanted not in STATUSES:
                    message = f"status is not one of {', '.join(STATUSES)}."
                    return _error(400, "rest_invalid_param", "Invalid parameter(s): status", {"status": message})
                book.statuses[order.id] = str(wanted)
            return shown(order)

    def list_notes(order_id: str) -> Any:
        refused = emulator.limit()
        if refused:
            return refused
        with state.lock:
            if book.order(order_id) is None:
                return invalid_id()
            return list(reversed(book.notes.get(order_id, [])))  # newest first, as WooCommerce lists them

    def add_note(order_id: str, body: Any = Body(...)) -> Any:
        refused = emulator.limit()
        if refused:
            return refused
        with state.lock:
            order = book.order(order_id)
            if order is None:
                return invalid_id()
            note = body.get("note") if isinstance(body, dict) else None
            if not isinstance(note, str) or not note.strip():
                return _error(400, "rest_missing_callback_param", "Missing parameter(s): note", None)
            customer = body.get("customer_note", False)
            if not isinstance(customer, bool):
                params = {"customer_note": "customer_note is not of type boolean."}
                return _error(400, "rest_invalid_param", "Invalid parameter(s): customer_note", params)
            notes = book.notes.setdefault(order.id, [])
            created = {
                "id": 900 + sum(len(n) for n in book.notes.values()),
                "author": "WooCommerce",
                "date_created_gmt": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                "note": note,
                "customer_note": customer,
            }
            notes.append(created)
        return JSONResponse(created, status_code=201)

    a = emulator.app
    a.get(API + "/{order_id}")(get_order)
    a.put(API + "/{order_id}")(update_order)
    a.get(API + "/{order_id}/notes")(list_notes)
    a.post(API + "/{order_id}/notes")(add_note)
    return book
