"""``/api/v1/suppliers``: drop-ship suppliers and the items (variant, unit cost) each carries."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import Field

from truecount.domain.suppliers import DEFAULT_CURRENCY, MAX_CASE, MAX_LEAD_DAYS, AddSupplier, SetSupplierItem
from truecount.services.purchasing.tardy import supplier_reliability
from truecount.services.suppliers import records

from ..deps import DbDep, IdempotencyKey, PageDep, RequireRole, ScopeDep, paginate
from ..schemas import Code, Input, Name, Output, WholeNumber
from . import API_PREFIX

router = APIRouter(prefix=API_PREFIX, tags=["suppliers"])
SEND_HELP = "When purchase orders are mailed: now, HH:MM (collected, daily, UTC) or Nh (collected, every N hours)."


class SupplierCreate(Input):
    code: Code
    name: Name
    email: str = Field(max_length=254, description="Where purchase orders go (name@domain.tld).")
    location: Code = Field(description="Code of the dropship location this supplier stands behind.")
    currency: str = Field(DEFAULT_CURRENCY, max_length=3, description="ISO 4217 code; the supplier's costs are in it.")
    lead_days: WholeNumber = Field(0, description=f"Days to ship, 0 to {MAX_LEAD_DAYS}.")
    cutoff: str | None = Field(None, max_length=5, description="HH:MM: orders after it leave a day later.")
    send: str = Field("now", max_length=8, description=SEND_HELP)


class SupplierSchedulePut(Input):
    send: str = Field(max_length=8, description=SEND_HELP)


class SupplierItemPut(Input):
    cost: str = Field(max_length=32, description='Unit cost as a decimal string (e.g. "12.50"), supplier\'s currency.')
    supplier_sku: Code | None = Field(None, description="The supplier's own code for the item.")
    case: WholeNumber = Field(1, description=f"Units per case, 1 to {MAX_CASE}.")


class SupplierItemPublic(Output):
    sku: str
    supplier_sku: str | None
    cost: str
    currency: str
    case: int
    discontinued: bool = Field(description="The supplier's feed said it no longer makes it: its location offers none.")


class SupplierPublic(Output):
    code: str
    name: str
    email: str
    currency: str
    location: str
    lead_days: int
    cutoff: str | None
    send: str
    replayed: bool = False


class ReliabilityPublic(Output):
    sent: int = Field(description="Purchase orders sent to the supplier.")
    shipped: int = Field(description="Of those, how many have shipped.")
    on_time_percent: float | None = Field(description="Share of the shipped ones shipped within the lead time.")
    average_days_to_ship: float | None = Field(description="Average days from sent to shipped.")


class SupplierDetail(SupplierPublic):
    items: list[SupplierItemPublic]
    reliability: ReliabilityPublic


class SupplierItemSaved(Output):
    supplier: str
    item: SupplierItemPublic
    created: bool
    replayed: bool = False


@router.get("/suppliers", response_model=list[SupplierPublic], summary="Every supplier, by code")
def list_suppliers(
    request: Request, response: Response, db: DbDep, scope: ScopeDep, page: PageDep
) -> list[SupplierPublic]:
    rows = [SupplierPublic.model_validate(s) for s in records.list_suppliers(db, scope)]
    return paginate(request, response, page, rows)


@router.post(
    "/suppliers",
    status_code=201,
    response_model=SupplierPublic,
    dependencies=[RequireRole("admin")],
    summary="Add a supplier behind a dropship location",
)
def create_supplier(body: SupplierCreate, db: DbDep, scope: ScopeDep, key: IdempotencyKey = None) -> SupplierPublic:
    created = records.add_supplier(db, scope, AddSupplier(**body.model_dump()), key)
    return SupplierPublic.model_validate(created)


@router.get("/suppliers/{code}", response_model=SupplierDetail, summary="One supplier with the items it carries")
def show_supplier(code: str, db: DbDep, scope: ScopeDep) -> SupplierDetail:
    found = records.get_supplier(db, scope, code)
    figures = ReliabilityPublic.model_validate(supplier_reliability(db, scope, code))
    items = [SupplierItemPublic.model_validate(i) for i in found.items or []]
    return SupplierDetail(**SupplierPublic.model_validate(found).model_dump(), items=items, reliability=figures)


@router.put(
    "/suppliers/{code}/schedule",
    response_model=SupplierPublic,
    dependencies=[RequireRole("admin")],
    summary="When the supplier's purchase orders are mailed",
)
def put_supplier_schedule(
    code: str, body: SupplierSchedulePut, db: DbDep, scope: ScopeDep, key: IdempotencyKey = None
) -> SupplierPublic:
    return SupplierPublic.model_validate(records.set_send_schedule(db, scope, code, body.send, key))


@router.put(
    "/suppliers/{code}/items/{sku}",
    response_model=SupplierItemSaved,
    dependencies=[RequireRole("admin")],
    summary="Set what a supplier charges for a variant: 201 created, 200 replaced",
)
def put_supplier_item(
    code: str, sku: str, body: SupplierItemPut, response: Response, db: DbDep, scope: ScopeDep,
    key: IdempotencyKey = None,
) -> SupplierItemSaved:  # fmt: skip
    cmd = SetSupplierItem(supplier=code, sku=sku, **body.model_dump())
    saved = records.set_supplier_item(db, scope, cmd, key)
    response.status_code = 201 if saved.created else 200
    return SupplierItemSaved.model_validate(saved)
