"""``/api/v1/boms`` and ``/api/v1/work-orders``: kits' bills of materials and the work orders that
build them (release books the components; complete consumes them and produces the kits)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import Field

from truecount.domain.assembly import MAX_PER_KIT, Complete, CreateWorkOrder, Part, SetBill
from truecount.services.assembly import bills, completion, work_orders

from ..deps import DbDep, IdempotencyKey, PageDep, RequireRole, ScopeDep, StaffUser, paginate
from ..schemas import Code, Input, Output, Text, WholeNumber
from . import API_PREFIX

router = APIRouter(prefix=API_PREFIX, tags=["assemblies"])

WorkOrderId = Annotated[int, Path(ge=1, le=2**62, description="The work order's number.")]
Mode = Literal["virtual", "ahead", "both"]
Status = Literal["draft", "released", "in_progress", "done", "cancelled"]


class PartIn(Input):
    sku: Code
    quantity: WholeNumber = Field(ge=1, le=MAX_PER_KIT, description="Units of the component in one kit.")


class BillIn(Input):
    components: list[PartIn] = Field(min_length=1, max_length=100)
    mode: Mode = Field(
        "virtual",
        description="virtual: sold from its components (a bundle); ahead: only assembled stock; both: assembled "
        "first, then from components.",
    )
    build_to_order_at: Code | None = Field(
        None,
        description="A kit built ahead: channel orders that owe it create work orders at this location "
        "(released when the components are there).",
    )


class PartPublic(Output):
    sku: str
    quantity: int


class BillPublic(Output):
    sku: str
    mode: Mode
    for_sale: bool
    build_to_order_at: str | None
    components: list[PartPublic]


@router.get("/boms", response_model=list[BillPublic], summary="Every kit's bill of materials, by SKU")
def list_boms(db: DbDep, scope: ScopeDep) -> list[BillPublic]:
    return [BillPublic.model_validate(b) for b in bills.list_bills(db, scope)]


@router.get("/boms/{sku}", response_model=BillPublic, summary="One kit's bill of materials")
def get_bom(sku: str, db: DbDep, scope: ScopeDep) -> BillPublic:
    return BillPublic.model_validate(bills.show_bill(db, scope, sku))


@router.put(
    "/boms/{sku}",
    response_model=BillPublic,
    dependencies=[RequireRole("admin")],
    summary="Set a kit's components (replacing any) and how it is sold",
)
def put_bom(sku: str, body: BillIn, db: DbDep, scope: ScopeDep, key: IdempotencyKey = None) -> BillPublic:
    cmd = SetBill(sku, [Part(p.sku, p.quantity) for p in body.components], body.mode, body.build_to_order_at)
    return BillPublic.model_validate(bills.set_bill(db, scope, cmd, key))


class WorkOrderIn(Input):
    sku: Code = Field(description="The kit to build.")
    quantity: WholeNumber = Field(ge=1, description="How many kits.")
    location: Code = Field(description="Where it is built: its components are booked there (and in its bins).")


class CompleteIn(Input):
    quantity: WholeNumber = Field(ge=0, description="Kits built.")
    scrap: WholeNumber = Field(0, ge=0, description="Kits' worth of components lost.")
    reason: Text | None = Field(None, description="Why components were lost (required with scrap).")


class HoldPublic(Output):
    sku: str
    location: str
    per_kit: int
    booked: int
    consumed: int
    released: int
    held: int


class WorkOrderPublic(Output):
    id: int
    sku: str
    location: str
    quantity: int
    produced: int
    scrapped: int
    open: int
    status: Status
    created_by: str
    created_at: str
    components: list[HoldPublic]
    consumed_cost: str | None = Field(
        None, description="What the components consumed so far cost (kits built and scrapped); null: unknown."
    )
    kit_cost: str | None = Field(None, description="consumed_cost / kits produced; null: unknown or none produced.")
    cost_unknown: str | None = Field(None, description="Why the cost is unknown, e.g. 'B has no cost'.")


@router.post("/work-orders", status_code=201, response_model=WorkOrderPublic, summary="Draft a work order")
def create_work_order(
    body: WorkOrderIn, user: StaffUser, db: DbDep, scope: ScopeDep, key: IdempotencyKey = None
) -> WorkOrderPublic:
    cmd = CreateWorkOrder(body.sku, body.quantity, body.location)
    return WorkOrderPublic.model_validate(work_orders.create_work_order(db, scope, cmd, key))


@router.get("/work-orders", response_model=list[WorkOrderPublic], summary="Work orders, newest first")
def list_work_orders(
    request: Request,
    response: Response,
    db: DbDep,
    scope: ScopeDep,
    page: PageDep,
    status: Annotated[Status | None, Query(description="Only work orders in this status.")] = None,
) -> list[WorkOrderPublic]:
    rows = work_orders.list_work_orders(db, scope, status)
    return paginate(request, response, page, [WorkOrderPublic.model_validate(r) for r in rows])


@router.get("/work-orders/{work_order}", response_model=WorkOrderPublic, summary="One work order")
def get_work_order(work_order: WorkOrderId, db: DbDep, scope: ScopeDep) -> WorkOrderPublic:
    return WorkOrderPublic.model_validate(work_orders.show_work_order(db, scope, work_order))


@router.post(
    "/work-orders/{work_order}/release", response_model=WorkOrderPublic, summary="Book the components (all or none)"
)
def release_work_order(
    work_order: WorkOrderId, user: StaffUser, db: DbDep, scope: ScopeDep, key: IdempotencyKey = None
) -> WorkOrderPublic:
    return WorkOrderPublic.model_validate(work_orders.release_work_order(db, scope, work_order, key))


@router.post(
    "/work-orders/{work_order}/complete",
    response_model=WorkOrderPublic,
    summary="Consume the components and produce the kits (partly, with scrap)",
)
def complete_work_order(
    work_order: WorkOrderId, body: CompleteIn, user: StaffUser, db: DbDep, scope: ScopeDep, key: IdempotencyKey = None
) -> WorkOrderPublic:
    cmd = Complete(work_order, body.quantity, body.scrap, body.reason)
    return WorkOrderPublic.model_validate(completion.complete_work_order(db, scope, cmd, key))


@router.post(
    "/work-orders/{work_order}/cancel", response_model=WorkOrderPublic, summary="Cancel: release the components"
)
def cancel_work_order(
    work_order: WorkOrderId, user: StaffUser, db: DbDep, scope: ScopeDep, key: IdempotencyKey = None
) -> WorkOrderPublic:
    return WorkOrderPublic.model_validate(work_orders.cancel_work_order(db, scope, work_order, key))
