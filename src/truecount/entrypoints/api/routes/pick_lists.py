"""``/api/v1/pick-lists``: what to take off the shelves at a location for some orders and work
orders — made and stored with its lines (by bin, with lots), read back, printed as a PDF, and
scanned against (each scan ticks a line; what the list does not ask is refused)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from pydantic import Field

from truecount.domain.ledger import MAX_REQUEST_QUANTITY
from truecount.domain.picking import MAX_SOURCES, MakePickList, PickScan
from truecount.services.picking.lists import list_pick_lists, make_pick_list, show_pick_list
from truecount.services.picking.scans import scan_pick

from ...pick_list_pdf import pick_list_pdf
from ..deps import DbDep, IdempotencyKey, PageDep, ScopeDep, StaffUser, paginate
from ..schemas import Code, Input, Output
from . import API_PREFIX

router = APIRouter(prefix=API_PREFIX, tags=["pick lists"])

PickListId = Annotated[int, Path(ge=1, le=2**62, description="The pick list's number.")]
Number = Annotated[int, Field(strict=True, ge=1, le=2**62)]


class PickListIn(Input):
    location: Code = Field(description="Where to pick: the location's own shelf and its bins.")
    orders: list[Number] = Field(default_factory=list, max_length=MAX_SOURCES, description="Order numbers.")
    work_orders: list[Number] = Field(default_factory=list, max_length=MAX_SOURCES, description="Work order numbers.")


class PickScanIn(Input):
    code: Annotated[str, Field(min_length=1, max_length=128)] = Field(description="A barcode or SKU scanned.")
    quantity: Annotated[int, Field(strict=True, ge=1, le=MAX_REQUEST_QUANTITY)] = 1


class PickLinePublic(Output):
    line: int
    place: str = Field(description="The location or one of its bins.")
    sku: str
    inventory_type: str
    lot: str = Field(description="The lot to take (first expiry first out); empty: unlotted.")
    expires_on: str | None
    quantity: int
    picked: int
    order: int | None
    work_order: int | None


class PickListPublic(Output):
    id: int
    location: str
    orders: list[int]
    work_orders: list[int]
    created_by: str
    created_at: str
    complete: bool = Field(description="Every line picked.")
    lines: list[PickLinePublic]


class PickedPublic(Output):
    sku: str
    quantity: int
    lines: list[int] = Field(description="The lines the scan ticked.")
    pick_list: PickListPublic


@router.post("/pick-lists", status_code=201, response_model=PickListPublic, summary="Make a pick list")
def post_pick_list(
    body: PickListIn, user: StaffUser, db: DbDep, scope: ScopeDep, key: IdempotencyKey = None
) -> PickListPublic:
    cmd = MakePickList(body.location, list(body.orders), list(body.work_orders))
    return PickListPublic.model_validate(make_pick_list(db, scope, cmd, key))


@router.get("/pick-lists", response_model=list[PickListPublic], summary="The newest pick lists, newest first")
def get_pick_lists(
    request: Request, response: Response, db: DbDep, scope: ScopeDep, page: PageDep
) -> list[PickListPublic]:
    rows = [PickListPublic.model_validate(p) for p in list_pick_lists(db, scope)]
    return paginate(request, response, page, rows)


@router.get("/pick-lists/{pick_list}", response_model=PickListPublic, summary="One pick list and what is picked")
def get_pick_list(pick_list: PickListId, db: DbDep, scope: ScopeDep) -> PickListPublic:
    return PickListPublic.model_validate(show_pick_list(db, scope, pick_list))


@router.get(
    "/pick-lists/{pick_list}/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The pick list to print."}},
    summary="One pick list as a PDF",
)
def get_pick_list_pdf(pick_list: PickListId, db: DbDep, scope: ScopeDep) -> Response:
    picks = show_pick_list(db, scope, pick_list)
    headers = {"Content-Disposition": f'inline; filename="pick-list-{picks.id}.pdf"'}
    return Response(pick_list_pdf(picks), media_type="application/pdf", headers=headers)


@router.post(
    "/pick-lists/{pick_list}/scans", response_model=PickedPublic, summary="Scan to pick: tick the scanned units"
)
def post_scan(
    pick_list: PickListId, body: PickScanIn, user: StaffUser, db: DbDep, scope: ScopeDep, key: IdempotencyKey = None
) -> PickedPublic:
    return PickedPublic.model_validate(scan_pick(db, scope, PickScan(pick_list, body.code, body.quantity), key))
