"""``/api/v1/purchase-orders``: drop-ship purchase orders — list, one, acknowledge, cancel."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from truecount.services.purchasing import documents, records, sending

from ...mailer import mailer_from
from ..deps import DbDep, IdempotencyKey, PageDep, RequireRole, ScopeDep, SettingsDep, paginate
from ..schemas import Output
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
