"""``/api/v1/orders`` and ``/api/v1/incidents``: book an order (a channel order or a
strict reservation), fulfil, cancel or return its lines, read orders and oversell incidents.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import Field, TypeAdapter

from truecount.domain.commands import LineChange, OrderLineSpec, PlaceOrder
from truecount.domain.fulfilments import Tracking
from truecount.services.orders.browse import OrderQuery, find_orders
from truecount.services.orders.channel_fulfilments import fulfil_order as fulfil_with_tracking
from truecount.services.orders.dropship import list_dropship_orders
from truecount.services.orders.fulfilment import change_order
from truecount.services.orders.line_supplier import send_line_to_supplier
from truecount.services.orders.place import place_order_async
from truecount.services.orders.results import Order
from truecount.services.orders.views import get_order, list_incidents

from ..deps import DbDep, IdempotencyKey, PageDep, RequireRole, ScopeDep, paginate
from ..schemas import Code, Flag, Input, Output
from . import API_PREFIX

router = APIRouter(prefix=API_PREFIX, tags=["orders"])
JSON = "application/json"

Quantity = Annotated[int, Field(strict=True, gt=0, description="Units, a whole number greater than zero.")]
OrderId = Annotated[int, Path(ge=1, le=2**62, description="The order's id (as `POST /orders` answered).")]


class OrderLineIn(Input):
    sku: Code = Field(description="SKU or barcode.")
    quantity: Quantity


class OrderCreate(Input):
    channel: Code = Field(description="The channel's code: its locations, inventory types and allocation apply.")
    external_id: Annotated[str, Field(min_length=1, max_length=200)] = Field(
        description="The channel's order id: recorded once per (channel, external_id)."
    )
    lines: list[OrderLineIn] = Field(min_length=1, max_length=500)
    strict: Flag = Field(
        False,
        description="All lines or none (409 naming each short line). Without it the order has already been "
        "sold: never refused for stock, the shortfall is backordered as an oversell incident.",
    )
    substitutes: Flag | None = Field(
        None,
        description="Whether a line its variant cannot cover may ship one of the variant's substitutes (where "
        "the substitute allows the channel). Omitted: no for a strict order, yes for a channel order.",
    )


class LineChangeIn(Input):
    sku: Code = Field(description="SKU or barcode of the order line.")
    quantity: Quantity
    location: Code | None = Field(None, description="fulfil: ship from here; return: put back here.")
    inventory_type: Code | None = Field(None, description="return: into this inventory type (default good).")


class OrderChange(Input):
    lines: list[LineChangeIn] | None = Field(
        None, max_length=500, description="The lines and quantities to act on; omitted: everything still open."
    )


class OrderFulfil(OrderChange):
    carrier: str | None = Field(None, max_length=100, description="The carrier (with tracking).")
    tracking: str | None = Field(
        None,
        max_length=100,
        description="The tracking number (with carrier): the shipment is pushed to the channel the order came "
        "from (Shopify, Amazon, eBay, WooCommerce) by the sync worker.",
    )
    tracking_url: str | None = Field(None, max_length=500, description="A link to follow the parcel.")


class BookingPublic(Output):
    sku: str = Field(description="The variant booked: the line's own, or a bundle's component.")
    location: str
    inventory_type: str
    quantity: int
    shipped: int
    released: int
    open: int = Field(description="Still booked: quantity − shipped − released.")


class BackorderItem(Output):
    sku: str
    quantity: int
    allocated: int
    cancelled: int
    open: int


class BackorderPublic(Output):
    open: int = Field(description="Units still owed (waiting for stock).")
    preorder: bool = Field(description="An expected pre-order (a prebook rule), not an oversell incident.")
    items: list[BackorderItem]


class SubstitutePublic(Output):
    sku: str = Field(description="What ships instead of the line's SKU.")
    quantity: int = Field(description="Units of it: the line's quantity × ratio.")
    ratio: int = Field(description="Units of it per unit ordered.")
    why: str
    notify: bool = Field(description="The customer must be told.")


class OrderLinePublic(Output):
    line: int
    sku: str
    quantity: int
    fulfilled: int
    cancelled: int
    returned: int
    bookings: list[BookingPublic]
    backorder: BackorderPublic
    substitute: SubstitutePublic | None = Field(None, description="Set when the line ships a substitute.")


class OrderPublic(Output):
    id: int
    channel: str
    external_id: str
    strict: bool
    status: Literal["open", "fulfilled", "cancelled"]
    created_at: str
    lines: list[OrderLinePublic]
    replayed: bool = Field(False, description="True: this order was already recorded (same key or external_id).")


# The service's order as JSON: OrderPublic's fields, in its order (a test compares them).
ORDER_JSON = TypeAdapter(Order)


class IncidentPublic(Output):
    id: int
    kind: str
    order_id: int
    external_id: str
    channel: str
    sku: str = Field(description="What ran short: the SKU sold, or a component of the bundle sold.")
    sold_sku: str = Field(description="What the order line sold (a bundle, when its components ran short).")
    line: int = Field(description="The order line's number.")
    ordered: int = Field(description="Units the order line asked for.")
    quantity: int = Field(description="Units sold beyond stock.")
    cause: str
    at: str


@router.post(
    "/orders",
    status_code=201,
    response_model=OrderPublic,
    dependencies=[RequireRole("staff")],
    summary="Record and book an order",
    responses={
        200: {"model": OrderPublic, "description": "Already recorded with the same lines: the existing order."},
        409: {
            "description": "Strict and short (`insufficient_stock`, each short line in `details`), or the "
            "external_id already recorded with other lines (`order_lines_differ`, each SKU whose quantity "
            "differs in `details`: `{sku, posted, recorded}`), or an idempotency key reused for another request."
        },
    },
)
async def create_order(body: OrderCreate, db: DbDep, scope: ScopeDep, key: IdempotencyKey = None) -> Response:
    """Concurrent requests meet in the orders service's group commit (one shared transaction, booked in a
    worker thread while they wait on the event loop). The service's typed answer is written as JSON once
    (its fields are ``OrderPublic``'s)."""
    specs = [OrderLineSpec(line.sku, line.quantity) for line in body.lines]
    cmd = PlaceOrder(body.channel, body.external_id, specs, body.strict, body.substitutes)
    order = await place_order_async(db, scope, cmd, key)
    return Response(ORDER_JSON.dump_json(order), status_code=200 if order.replayed else 201, media_type=JSON)


def _change(
    act: str, order_id: int, body: OrderChange | None, db: DbDep, scope: ScopeDep, key: str | None
) -> OrderPublic:
    lines = None
    if body is not None and body.lines is not None:
        lines = [LineChange(c.sku, c.quantity, c.location, c.inventory_type) for c in body.lines]
    return OrderPublic.model_validate(change_order(db, scope, act, order_id, lines, key))


@router.post(
    "/orders/{order_id}/fulfil",
    response_model=OrderPublic,
    dependencies=[RequireRole("staff")],
    summary="Ship lines (all that is open when no lines are given); lots leave first-expiry-first-out",
)
def fulfil_order(
    order_id: OrderId, db: DbDep, scope: ScopeDep, body: OrderFulfil | None = None, key: IdempotencyKey = None
) -> OrderPublic:
    if body is None or (body.carrier is None and body.tracking is None and body.tracking_url is None):
        return _change("fulfil", order_id, body, db, scope, key)
    lines = None if body.lines is None else [LineChange(c.sku, c.quantity, c.location) for c in body.lines]
    shipment = Tracking(body.carrier or "", body.tracking or "", body.tracking_url)
    return OrderPublic.model_validate(fulfil_with_tracking(db, scope, order_id, lines, key, shipment))


@router.post(
    "/orders/{order_id}/cancel",
    response_model=OrderPublic,
    dependencies=[RequireRole("staff")],
    summary="Release what is not yet fulfilled (all of it when no lines are given)",
)
def cancel_order(
    order_id: OrderId, db: DbDep, scope: ScopeDep, body: OrderChange | None = None, key: IdempotencyKey = None
) -> OrderPublic:
    return _change("cancel", order_id, body, db, scope, key)


@router.post(
    "/orders/{order_id}/return",
    response_model=OrderPublic,
    dependencies=[RequireRole("staff")],
    summary="Put shipped units back at a chosen location and inventory type",
)
def return_order(
    order_id: OrderId, db: DbDep, scope: ScopeDep, body: OrderChange | None = None, key: IdempotencyKey = None
) -> OrderPublic:
    return _change("return", order_id, body, db, scope, key)


class LineSupplierPut(Input):
    supplier: Code = Field(description="The supplier's code: its drop-ship location takes the line.")


@router.put(
    "/orders/{order_id}/lines/{line}/supplier",
    response_model=OrderPublic,
    dependencies=[RequireRole("staff")],
    summary="Send an order line to a named supplier (its bookings move there; the purchase orders follow)",
)
def put_line_supplier(
    order_id: OrderId,
    line: Annotated[int, Path(ge=1, le=2**31, description="The line's number (from 1).")],
    body: LineSupplierPut,
    db: DbDep,
    scope: ScopeDep,
    key: IdempotencyKey = None,
) -> OrderPublic:
    return OrderPublic.model_validate(send_line_to_supplier(db, scope, order_id, line, body.supplier, key))


@router.get("/orders", response_model=list[OrderPublic], summary="Orders, newest first")
def get_orders(
    request: Request,
    response: Response,
    db: DbDep,
    scope: ScopeDep,
    page: PageDep,
    status: Literal["open", "fulfilled", "cancelled"] | None = Query(None),
    backordered: bool = Query(False, description="Only orders that still owe units (open backorders)."),
    channel: str | None = Query(None, max_length=64, description="Only this channel's orders (its code)."),
    placed_from: date | None = Query(None, description="Placed on or after this day (UTC)."),
    placed_to: date | None = Query(None, description="Placed on or before this day (UTC)."),
) -> list[OrderPublic]:
    query = OrderQuery(status, backordered, channel, placed_from, placed_to)
    rows = [OrderPublic.model_validate(o) for o in find_orders(db, scope, query, page.limit, page.offset)]
    return paginate(request, response, page, rows, paged=True)


@router.get("/orders/{order_id}", response_model=OrderPublic, summary="One order with its bookings and backorders")
def get_one_order(order_id: OrderId, db: DbDep, scope: ScopeDep) -> OrderPublic:
    return OrderPublic.model_validate(get_order(db, scope, order_id))


@router.get("/incidents", response_model=list[IncidentPublic], summary="Oversell incidents, newest first")
def get_incidents(
    request: Request, response: Response, db: DbDep, scope: ScopeDep, page: PageDep
) -> list[IncidentPublic]:
    rows = [IncidentPublic.model_validate(i) for i in list_incidents(db, scope, page.limit, page.offset)]
    return paginate(request, response, page, rows, paged=True)


class DropshipLine(Output):
    line: int
    sku: str
    quantity: int
    why: str | None = Field(
        None,
        description="Why this supplier: the line's rule (cheapest, fastest, reliable, own_first), or who chose it.",
    )


class DropshipOrderPublic(Output):
    id: int
    order_id: int
    channel: str
    external_id: str
    supplier: str = Field(description="The drop-ship location's code.")
    supplier_name: str
    lines: list[DropshipLine]
    at: str


@router.get(
    "/dropship-orders",
    response_model=list[DropshipOrderPublic],
    summary="Drop-ship purchase orders (lines booked at a dropship location), newest first",
)
def get_dropship_orders(
    request: Request,
    response: Response,
    db: DbDep,
    scope: ScopeDep,
    page: PageDep,
    supplier: str | None = Query(None, max_length=64, description="Only this drop-ship location's orders"),
) -> list[DropshipOrderPublic]:
    found = list_dropship_orders(db, scope, page.limit, page.offset, supplier=supplier)
    rows = [DropshipOrderPublic.model_validate(p) for p in found]
    return paginate(request, response, page, rows, paged=True)
