"""The orders routes write the service's typed answers as JSON directly: the bytes must be what the
published schemas (``OrderPublic``, ``OrderRefused``) write, field for field and in the same order."""

from __future__ import annotations

from dataclasses import replace

from pydantic import TypeAdapter

from truecount.entrypoints.api.routes import orders_batch
from truecount.entrypoints.api.routes.orders import ORDER_JSON, OrderPublic
from truecount.services.orders.results import (
    Backorder,
    BackorderItem,
    LineBooking,
    Order,
    OrderError,
    OrderLine,
    OrderRefused,
)


def _order() -> Order:
    booked = LineBooking("MUG", "WH1", "good", 3, 1, 0, 2)
    owed = Backorder(2, True, [BackorderItem("MUG", 2, 0, 0, 2)])
    lines = [
        OrderLine(1, "MUG", 5, 1, 0, 0, [booked], owed),
        OrderLine(2, "TEE", 1, 0, 1, 0, [], Backorder()),
    ]
    return Order(7, "web", "W-7", False, "open", "2026-12-06T10:00:00+00:00", lines)


def test_an_order_written_from_the_service_type_is_byte_for_byte_what_order_public_writes() -> None:
    for order in (_order(), replace(_order(), replayed=True)):
        assert ORDER_JSON.dump_json(order) == OrderPublic.model_validate(order).model_dump_json().encode()


def test_a_batch_answer_written_from_the_service_types_is_what_the_published_schemas_write() -> None:
    refused = OrderRefused("W-8", OrderError("insufficient_stock", "short", [{"sku": "MUG", "missing": 1}]))
    answers: list[Order | OrderRefused] = [_order(), refused]
    published = TypeAdapter(list[OrderPublic | orders_batch.OrderRefused])
    assert orders_batch.ANSWERS_JSON.dump_json(answers) == published.dump_json(published.validate_python(answers))


def test_the_batch_answer_is_the_published_schema_with_and_without_refused_orders() -> None:
    refused = OrderRefused("W-8", OrderError("not_found", "no SKU", [{"field": "lines[0].sku", "reason": "no SKU"}]))
    published = TypeAdapter(orders_batch.OrderBatchAnswer)
    for answers in ([_order(), replace(_order(), replayed=True)], [_order(), refused, _order()], [refused]):
        expected = published.dump_json(published.validate_python({"orders": answers}))
        assert orders_batch.answer(answers) == expected
