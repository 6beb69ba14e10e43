"""``POST /api/v1/orders:batch``: up to 1,000 orders in one request, each answered on its own.

For bulk ingest (a marketplace's backlog, a nightly import): the orders go to the orders service's
set-based path (``place_orders``: one transaction for the lot). A strict order short of stock is
refused on its own; an order the service refuses outright (an unknown SKU or channel, a quantity
too large) is answered with its error while the others are recorded: the batch is split in halves
until the refused orders stand alone. No ``Idempotency-Key``: a repeated batch is safe, since each
order is recorded once per (channel, external_id) and a repeat answers it with ``replayed: true``.

The route is declared like every other (its OpenAPI entry, role and refusals come from FastAPI), with
two savings per order that count at 1,000 orders a request: the body is read straight from its bytes
into ``OrderBatch`` (:class:`BatchRoute`), and the answer is written as JSON once from the service's
types, in the worker thread that booked it (:func:`answer`).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, cast

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from fastapi.routing import APIRoute
from pydantic import Field, TypeAdapter, ValidationError

from truecount.adapters.db.engine import Database
from truecount.domain.commands import OrderLineSpec, PlaceOrder
from truecount.domain.errors import TruecountError
from truecount.services.common.scope import Scope
from truecount.services.orders import results
from truecount.services.orders.place import place_orders

from ..deps import DbDep, RequireRole, ScopeDep
from ..schemas import Input, Output
from . import API_PREFIX
from .orders import OrderCreate, OrderPublic

MAX_BATCH = 1000


class OrderBatch(Input):
    orders: list[OrderCreate] = Field(min_length=1, max_length=MAX_BATCH, description="Up to 1,000 orders.")


class OrderError(Output):
    code: str
    message: str
    details: list[dict[str, Any]]


class OrderRefused(Output):
    external_id: str
    error: OrderError


class OrderBatchAnswer(Output):
    orders: list[OrderPublic | OrderRefused] = Field(
        description="One answer per order, in the order sent: the recorded order (`replayed` when it already "
        "was), or `{external_id, error}` when that order was refused (nothing of it written)."
    )


class BatchRequest(Request):
    """A request whose JSON body is read in one pass, from its bytes, into :class:`OrderBatch`.

    FastAPI parses a JSON body with ``json.loads`` and then validates the objects it built; for 1,000
    orders pydantic's own parser, validating as it reads, does the same in less. FastAPI then takes the
    ``OrderBatch`` as it stands (an instance of the declared model is not validated again). A body that
    does not read as an ``OrderBatch`` (malformed JSON, a bad field) is parsed as FastAPI always does,
    so it is refused exactly as before: 422 naming the field (``orders[3].lines[0].quantity``).
    """

    async def json(self) -> Any:
        try:
            return BATCH_BODY.validate_json(await self.body())
        except ValidationError:
            return await super().json()


class BatchRoute(APIRoute):
    """The batch route with its requests read by :class:`BatchRequest` (FastAPI's documented way to
    change how a route reads its request); everything else is the declared route's."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        declared = super().get_route_handler()

        async def handler(request: Request) -> Response:
            return await declared(BatchRequest(request.scope, request.receive))

        return handler


router = APIRouter(prefix=API_PREFIX, tags=["orders"], route_class=BatchRoute)

BATCH_BODY = TypeAdapter(OrderBatch)

# The service's answers, written as JSON once: their fields are the schemas' above (a test compares them).
ANSWERS_JSON = TypeAdapter(list[results.Order | results.OrderRefused])
# The same for a batch of recorded orders only (the usual case): the same bytes, without a union to
# choose from for each order (half the time).
ORDERS_JSON = TypeAdapter(list[results.Order])


def answer(answers: list[results.Order | results.OrderRefused]) -> bytes:
    """The answer's body: ``{"orders": [...]}``, one entry per order in the order sent."""
    if all(type(a) is results.Order for a in answers):
        written = ORDERS_JSON.dump_json(cast(list[results.Order], answers))
    else:
        written = ANSWERS_JSON.dump_json(answers)
    return b'{"orders":' + written + b"}"


def _refused(cmd: PlaceOrder, error: TruecountError) -> results.OrderRefused:
    details = list(error.details) or ([{"field": error.field, "reason": error.message}] if error.field else [])
    return results.OrderRefused(cmd.external_id, results.OrderError(error.code, str(error), details))


def place_each(db: Database, scope: Scope, cmds: list[PlaceOrder]) -> list[results.Order | results.OrderRefused]:
    """``place_orders`` for the lot; where the service refuses the lot as a whole, each half again, down
    to the refused orders on their own (what was booked stays booked: each part is its own transaction)."""
    try:
        return place_orders(db, scope, cmds)
    except TruecountError as error:
        if len(cmds) == 1:
            return [_refused(cmds[0], error)]
    half = len(cmds) // 2
    return place_each(db, scope, cmds[:half]) + place_each(db, scope, cmds[half:])


def book_and_answer(db: Database, scope: Scope, orders: list[OrderCreate]) -> bytes:
    """The orders as commands, booked (:func:`place_each`), and the answer written: all of it in one
    worker thread, so the event loop stays free for other requests meanwhile."""
    cmds = [
        PlaceOrder(
            o.channel, o.external_id, [OrderLineSpec(x.sku, x.quantity) for x in o.lines], o.strict, o.substitutes
        )
        for o in orders
    ]
    return answer(place_each(db, scope, cmds))


@router.post(
    "/orders:batch",
    response_model=OrderBatchAnswer,
    dependencies=[RequireRole("staff")],
    summary="Record and book up to 1,000 orders in one request (set-based), each answered on its own",
)
async def create_orders(body: OrderBatch, db: DbDep, scope: ScopeDep) -> Response:
    content = await run_in_threadpool(book_and_answer, db, scope, body.orders)
    return Response(content, media_type="application/json")
