"""``/api/v1/purchase-orders``: drop-ship purchase orders — list, one, acknowledge, cancel, and the
supplier's shipments (one, or a CSV of them) that ship the customer's order lines."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from truecount.domain.errors import InvalidInput
from truecount.domain.shipments import ShipLine, ShipPurchaseOrder
from truecount.services.imports.shipments import ship_csv
from truecount.services.purchasing import documents, records, sending
from truecount.services.shipping.ship import ship_purchase_order

from ...mailer import mailer_from
from ..deps import DbDep, IdempotencyKey, PageDep, RequireRole, ScopeDep, SettingsDep, paginate
from ..schemas import Input, Output
from . import API_PREFIX

router = APIRouter(prefix=API_PREFIX, tags=["purchase orders"])

PoId = Annotated[int, Path(ge=1, le=2**62, description="The purchase order's id.")]


class PurchaseOrderLinePublic(Output):
    order_id: int
    channel: str
    external_id: str
    line: int
    sku: str
    supplier_sku: str | None
    quantity: int
    cancelled: int
    shipped: int
    open: int
    unit_cost: str | None
    why: str | None


class ShipmentLinePublic(Output):
    channel: str
    external_id: str
    line: int
    sku: str
    quantity: int


class ShipmentPublic(Output):
    id: int
    carrier: str
    tracking: str
    tracking_url: str | None
    source: str
    shipped_at: str
    lines: list[ShipmentLinePublic]


class PurchaseOrderPublic(Output):
    id: int
    number: str
    supplier: str
    supplier_name: str
    email: str
    currency: str
    location: str
    state: str
    created_at: str
    send_due_at: str | None
    sent_at: str | None
    acknowledged_at: str | None
    shipped_at: str | None
    closed_at: str | None
    cancelled_at: str | None
    late_at: str | None
    followed_up_at: str | None
    send_attempts: int
    send_error: str | None
    notice: str | None
    message_id: str
    total: str
    lines: list[PurchaseOrderLinePublic]
    shipments: list[ShipmentPublic]
    replayed: bool = False


class ShipLineCreate(Input):
    sku: str = Field(min_length=1, max_length=64, description="Our SKU, as the purchase order line names it.")
    quantity: int = Field(description="Units shipped (more than zero, at most what is open).")


class ShipmentCreate(Input):
    carrier: str = Field(max_length=200, description="The carrier (UPS, DHL…).")
    tracking: str = Field(max_length=200, description="The carrier's tracking number.")
    tracking_url: str | None = Field(None, max_length=600, description="A tracking URL (http or https).")
    lines: list[ShipLineCreate] | None = Field(
        None, max_length=1000, description="What shipped; left out: everything still open on the purchase order."
    )


class ShippedPublic(Output):
    shipment: ShipmentPublic
    purchase_order: PurchaseOrderPublic
    created: bool
    replayed: bool = False


class ShipmentsUploadedPublic(Output):
    rows: int
    shipments: list[ShippedPublic]
    replayed: bool = False


@router.get("/purchase-orders", response_model=list[PurchaseOrderPublic], summary="Purchase orders, newest first")
def list_purchase_orders(
    request: Request,
    response: Response,
    db: DbDep,
    scope: ScopeDep,
    page: PageDep,
    supplier: str | None = Query(None, max_length=64, description="Only this supplier's (its code)."),
    state: str | None = Query(None, max_length=16, description="Only in this state."),
) -> list[PurchaseOrderPublic]:
    found = records.list_purchase_orders(
        db, scope, supplier=supplier, state=state, limit=page.limit, offset=page.offset
    )
    return paginate(request, response, page, [PurchaseOrderPublic.model_validate(p) for p in found], paged=True)


@router.get("/purchase-orders/{po_id}", response_model=PurchaseOrderPublic, summary="One purchase order and its lines")
def get_purchase_order(po_id: PoId, db: DbDep, scope: ScopeDep) -> PurchaseOrderPublic:
    return PurchaseOrderPublic.model_validate(records.get_purchase_order(db, scope, po_id))


@router.post(
    "/purchase-orders/{po_id}/send",
    response_model=PurchaseOrderPublic,
    dependencies=[RequireRole("staff")],
    summary="Mail a draft purchase order to its supplier now (502 when the mail server refuses; it stays a draft)",
)
def send(po_id: PoId, db: DbDep, scope: ScopeDep, settings: SettingsDep) -> PurchaseOrderPublic:
    po = sending.send_purchase_order(db, scope, po_id, mailer_from(settings), settings.po_retry_s)
    return PurchaseOrderPublic.model_validate(po)


@router.post(
    "/purchase-orders/{po_id}/acknowledge",
    response_model=PurchaseOrderPublic,
    dependencies=[RequireRole("staff")],
    summary="The supplier acknowledged a sent purchase order (409 from any other state)",
)
def acknowledge(po_id: PoId, db: DbDep, scope: ScopeDep, key: IdempotencyKey = None) -> PurchaseOrderPublic:
    return PurchaseOrderPublic.model_validate(records.acknowledge(db, scope, po_id, key))


@router.post(
    "/purchase-orders/{po_id}/cancel",
    response_model=PurchaseOrderPublic,
    dependencies=[RequireRole("staff")],
    summary="Cancel a draft, sent or acknowledged purchase order (a supplier who has it is told)",
)
def cancel(po_id: PoId, db: DbDep, scope: ScopeDep, key: IdempotencyKey = None) -> PurchaseOrderPublic:
    return PurchaseOrderPublic.model_validate(records.cancel(db, scope, po_id, key))


@router.get(
    "/purchase-orders/{po_id}/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
    summary="The purchase order as the supplier receives it (PDF)",
)
def get_purchase_order_pdf(po_id: PoId, db: DbDep, scope: ScopeDep) -> Response:
    po = records.get_purchase_order(db, scope, po_id)
    disposition = f'inline; filename="{po.number}.pdf"'
    return Response(
        documents.render_pdf(po), media_type="application/pdf", headers={"Content-Disposition": disposition}
    )


@router.get(
    "/purchase-orders/{po_id}/csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
    summary="The purchase order's open lines as CSV",
)
def get_purchase_order_csv(po_id: PoId, db: DbDep, scope: ScopeDep) -> Response:
    po = records.get_purchase_order(db, scope, po_id)
    disposition = f'attachment; filename="{po.number}.csv"'
    return Response(documents.render_csv(po), media_type="text/csv", headers={"Content-Disposition": disposition})


@router.post(
    "/purchase-orders/shipments:csv",
    response_model=ShipmentsUploadedPublic,
    dependencies=[RequireRole("staff")],
    openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}, "required": True}},
    summary="Suppliers' shipments from CSV (po_number,sku,quantity,carrier,tracking): all or nothing",
)
async def upload_shipments(
    request: Request, db: DbDep, scope: ScopeDep, key: IdempotencyKey = None
) -> ShipmentsUploadedPublic:
    try:
        text = (await request.body()).decode("utf-8-sig")
    except UnicodeDecodeError as bad:
        raise InvalidInput(f"is not UTF-8 text (byte {bad.start})", field="file") from None
    uploaded = await run_in_threadpool(ship_csv, db, scope, text, key)
    return ShipmentsUploadedPublic.model_validate(uploaded)


@router.post(
    "/purchase-orders/{po_id}/shipments",
    response_model=ShippedPublic,
    status_code=201,
    dependencies=[RequireRole("staff")],
    responses={200: {"description": "The same shipment (purchase order, tracking and lines) was already recorded"}},
    summary="Record a supplier's shipment: ships the order lines it covers (409 from draft or cancelled)",
)
def create_shipment(
    po_id: PoId, body: ShipmentCreate, response: Response, db: DbDep, scope: ScopeDep, key: IdempotencyKey = None
) -> ShippedPublic:
    lines = None if body.lines is None else tuple(ShipLine(x.sku, x.quantity) for x in body.lines)
    command = ShipPurchaseOrder(body.carrier, body.tracking, body.tracking_url, lines)
    done = ship_purchase_order(db, scope, po_id, command, "api", key)
    if not done.created or done.replayed:
        response.status_code = 200
    return ShippedPublic.model_validate(done)
