"""``/api/v1/products`` and ``/api/v1/variants``: the catalogue (the variant is the unit of truth)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import Field

from truecount.domain.commands import AddProduct, ComponentSpec, EditVariant, VariantSpec
from truecount.entrypoints.web import dashboard
from truecount.services.catalog import products
from truecount.services.catalog import records as catalog
from truecount.services.stock.levels import search_variants

from ..deps import DbDep, IdempotencyKey, PageDep, RequireRole, ScopeDep, paginate
from ..schemas import Code, Flag, Input, Name, Output, WholeNumber
from . import API_PREFIX

router = APIRouter(prefix=API_PREFIX, tags=["catalogue"])


class ComponentIn(Input):
    sku: Code
    quantity: WholeNumber = Field(ge=1, le=100_000, description="Units of the component in one bundle.")


class VariantCreate(Input):
    sku: Code = Field(
        description="Unique per merchant: 1-128 characters, no whitespace or control characters, none of / ? # % \\."
    )
    barcodes: list[Code] = Field(default_factory=list, max_length=50)
    options: dict[Code, Name] = Field(default_factory=dict, max_length=20, description='e.g. {"size": "M"}')
    tracked: Flag = Field(True, description="False: a non-inventory item, never counted, always sellable.")
    discontinued: Flag = False
    sellable_from: date | None = Field(None, description="Hold or release date: before it channels are offered 0.")
    components: list[ComponentIn] = Field(default_factory=list, max_length=100, description="Makes it a bundle.")


class ProductCreate(Input):
    name: Annotated[str, Field(min_length=1, max_length=300)]
    variants: list[VariantCreate] = Field(min_length=1, max_length=1000)


class VariantRef(Output):
    id: int
    sku: str


class ProductPublic(Output):
    id: int
    name: str
    variants: list[VariantRef]
    replayed: bool = False


class VariantPublic(Output):
    sku: str
    name: str
    options: dict[str, str]
    barcodes: list[str]
    tracked: bool
    discontinued: bool
    sellable_from: date | None
    bundle: bool
    for_sale: bool = Field(True, description="False: a raw material, counted and booked, never offered.")
    unit_cost: str | None = Field(None, description="What a unit costs the merchant (decimal string); null: not set.")


class VariantPatch(Input):
    """What to change on a variant; a field left out stays as it is."""

    for_sale: Flag | None = Field(None, description="False: a raw material — counted, never offered on a channel.")
    discontinued: Flag | None = Field(None, description="Sell down to zero, never pre-book.")
    unit_cost: str | None = Field(
        None,
        max_length=40,
        description='What a unit costs the merchant: a decimal string such as "4.25" (not negative, at most'
        ' 4 decimal places), or "unset" to clear it.',
    )


@router.post(
    "/products",
    status_code=201,
    response_model=ProductPublic,
    dependencies=[RequireRole("admin")],
    summary="Add a product with its variants",
)
def create_product(body: ProductCreate, db: DbDep, scope: ScopeDep, key: IdempotencyKey = None) -> ProductPublic:
    cmd = AddProduct(
        name=body.name,
        variants=[
            VariantSpec(
                sku=v.sku,
                barcodes=list(v.barcodes),
                options=dict(v.options),
                tracked=v.tracked,
                discontinued=v.discontinued,
                sellable_from=v.sellable_from,
                components=[ComponentSpec(c.sku, c.quantity) for c in v.components],
            )
            for v in body.variants
        ],
    )
    return ProductPublic.model_validate(catalog.add_product(db, scope, cmd, key))


@router.get("/variants", response_model=list[VariantPublic], summary="Search variants by SKU, name or barcode")
def list_variants(
    request: Request,
    response: Response,
    db: DbDep,
    scope: ScopeDep,
    page: PageDep,
    q: Annotated[str, Query(max_length=200, description="Part of a SKU or product name, or a whole barcode.")] = "",
) -> list[VariantPublic]:
    rows = search_variants(db, scope, q, limit=page.limit, offset=page.offset)
    return paginate(request, response, page, [VariantPublic.model_validate(r) for r in rows], paged=True)


@router.get("/variants/{sku:path}", response_model=VariantPublic, summary="One variant, by SKU or barcode")
def get_variant(sku: str, db: DbDep, scope: ScopeDep) -> VariantPublic:
    card, _row = dashboard.variant_card(db, scope, sku)
    return VariantPublic.model_validate(card)


@router.patch(
    "/variants/{sku}",
    response_model=VariantPublic,
    dependencies=[RequireRole("admin")],
    summary="Change a variant's flags (channel offers follow)",
)
def patch_variant(
    sku: str, body: VariantPatch, db: DbDep, scope: ScopeDep, key: IdempotencyKey = None
) -> VariantPublic:
    cmd = EditVariant(sku=sku, for_sale=body.for_sale, discontinued=body.discontinued, unit_cost=body.unit_cost)
    products.edit_variant(db, scope, cmd, key)
    card, _row = dashboard.variant_card(db, scope, sku)
    return VariantPublic.model_validate(card)
