"""``POST /api/v1/orders:batch``: up to 1,000 orders in one request, each answered on its own.

For bulk ingest (a marketplace's backlog, a nightly import): the orders go to the orders service's
set-based path (``place_orders``: one transaction for the lot). A strict order short of stock is
refused on its own; an order the service refuses outright (an unknown SKU or channel, a quantity
too large) is answered with its error while the others are recorded: the batch is split in halves
until the refused orders stand alone. No ``Idempotency-Key``: a repeated batch is safe, since each
order is recorded once per (channel, external_id) and a repeat answers it with ``replayed: true``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import Field, TypeAdapter

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

router = APIRouter(prefix=API_PREFIX, tags=["orders"])

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


# The service's answers, written as JSON once: their fields are the schemas' above (a test compares them).
ANSWERS_JSON = TypeAdapter(list[results.Order | results.OrderRefused])


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


@router.post(
    "/orders:batch",
    response_model=OrderBatchAnswer,
    dependencies=[RequireRole("staff")],
    summary="Record and book up to 1,000 orders in one request (set-based), each answered on its own",
)
async def create_orders(body: OrderBatch, db: DbDep, scope: ScopeDep) -> Response:
    cmds = [
        PlaceOrder(
            o.channel, o.external_id, [OrderLineSpec(x.sku, x.quantity) for x in o.lines], o.strict, o.substitutes
        )
        for o in body.orders
    ]
    answers = await run_in_threadpool(place_each, db, scope, cmds)
    return Response(b'{"orders":' + ANSWERS_JSON.dump_json(answers) + b"}", media_type="application/json")
