"""``/api/v1/channels/{code}/listings``: a channel's listings, each with its own reference, units per sale,
quantity rule (an ordered list of steps), price rule, and offered quantity and price with their explanation."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import Field

from truecount.domain.commands import ListingChange
from truecount.domain.pricing import MAX_PRICE
from truecount.services.offers import listing_terms, listings

from ..deps import DbDep, IdempotencyKey, RequireRole, ScopeDep
from ..schemas import Code, Input, Output
from . import API_PREFIX

router = APIRouter(prefix=API_PREFIX, tags=["listings"])

ChannelCode = Annotated[str, Path(min_length=1, max_length=64, description="The channel's code.")]
RefPath = Annotated[str, Path(min_length=1, max_length=300, description="The listing's reference as stored.")]
UnitsPerSale = Annotated[int, Field(strict=True, ge=1, le=listings.MAX_UNITS_PER_SALE)]
StepIn = Annotated[
    str | dict[str, Any],
    Field(
        description="A step as text (`percent=30@DS1`, `reserve=5`, `cap=20`, `min=1`, `zero_below=3`, "
        '`round=6`, `fixed=10`, `base=DS1`, `stop_sell`) or `{"op", "value", "location"}`.'
    ),
]


class ListingCreate(Input):
    sku: Code
    external_ref: str | dict[str, str | int] = Field(
        description="The channel's reference: Shopify {inventory_item_id, location_id} or ITEM@LOCATION; Amazon "
        "{seller_sku, marketplace_id?}; eBay {sku, offer_id?}; WooCommerce {product_id, variation_id?} or "
        "PRODUCT/VARIATION; pos/manual any text."
    )
    units_per_sale: UnitsPerSale = Field(1, description="A multi-pack: units one sale takes.")


class ListingPublic(Output):
    id: int
    channel: str
    sku: str
    external_ref: str
    ref: dict[str, Any]
    quantity: int = Field(description="The listing's offered quantity, stored and queued for push.")
    units_per_sale: int
    replayed: bool = False


class ListingDetail(Output):
    id: int
    sku: str
    external_ref: str
    ref: dict[str, Any]
    units_per_sale: int
    steps: list[str] | None = Field(description="The listing's own quantity rule, in order (null: the channel's rule).")
    quantity: int | None = Field(description="The stored offered quantity (what is pushed).")
    changed_at: datetime | None
    explain: dict[str, Any] | None = Field(
        description="Why: pool, rule or steps (input → output), result; `price`: the price rule's steps."
    )
    price_rule: str | None = Field(description="The price rule as text (null: no price is set or pushed).")
    price: str | None = Field(description="The price by that rule, pushed with the quantity.")


class Tier(Input):
    below: Annotated[int, Field(strict=True, ge=1, le=1_000_000_000)]
    percent: Annotated[Decimal, Field(ge=-99, le=1000, decimal_places=2)]


class PriceIn(Input):
    """Exactly one of `fixed` and `cost_plus_percent`; optional `floor` (MSRP/MAP) and stock-level `tiers`."""

    fixed: Annotated[Decimal | None, Field(ge=0, le=MAX_PRICE, decimal_places=2)] = None
    cost_plus_percent: Annotated[Decimal | None, Field(ge=-99, le=10000, decimal_places=2)] = None
    floor: Annotated[Decimal | None, Field(ge=0, le=MAX_PRICE, decimal_places=2)] = None
    tiers: list[Tier] = Field(default_factory=list, max_length=10)


class ListingPatch(Input):
    """Change what is given: `units_per_sale`; `steps` (a list: the listing's own rule, in order; null: back
    to the channel's rule for the variant); `price` (the price rule; null: no price)."""

    units_per_sale: UnitsPerSale | None = None
    steps: list[StepIn] | None = Field(None, max_length=20)
    price: PriceIn | None = None


@router.get(
    "/channels/{code}/listings",
    response_model=list[ListingDetail],
    summary="A channel's listings with their units per sale, quantity rule and offered quantity, explained",
)
def get_listings(code: ChannelCode, db: DbDep, scope: ScopeDep) -> list[ListingDetail]:
    return [ListingDetail.model_validate(row) for row in listings.list_listings(db, scope, code)]


@router.post(
    "/channels/{code}/listings",
    status_code=201,
    response_model=ListingPublic,
    dependencies=[RequireRole("admin")],
    summary="Link a channel listing to a variant (a variant may have several on one channel)",
)
def create_listing(
    code: ChannelCode, body: ListingCreate, db: DbDep, scope: ScopeDep, key: IdempotencyKey = None
) -> ListingPublic:
    added = listings.add_listing(db, scope, code, body.sku, body.external_ref, key, units_per_sale=body.units_per_sale)
    return ListingPublic.model_validate(added)


@router.get(
    "/channels/{code}/listings/{ref:path}",
    response_model=ListingDetail,
    summary="One listing by its reference, explained",
)
def get_listing(code: ChannelCode, ref: RefPath, db: DbDep, scope: ScopeDep) -> ListingDetail:
    return ListingDetail.model_validate(listings.list_listings(db, scope, code, ref)[0])


@router.patch(
    "/channels/{code}/listings/{ref:path}",
    response_model=ListingDetail,
    dependencies=[RequireRole("admin")],
    summary="Change a listing's units per sale or quantity rule; its offer is recomputed",
)
def patch_listing(
    code: ChannelCode, ref: RefPath, body: ListingPatch, db: DbDep, scope: ScopeDep, key: IdempotencyKey = None
) -> ListingDetail:
    given = body.model_fields_set
    change = ListingChange(
        units_per_sale=body.units_per_sale,
        steps=body.steps,
        clear_steps="steps" in given and body.steps is None,
        price=None if body.price is None else body.price.model_dump(exclude_none=True, mode="json"),
        clear_price="price" in given and body.price is None,
    )
    return ListingDetail.model_validate(listing_terms.change_listing(db, scope, code, ref, change, key))
