"""``/api/v1/channels``: channels, their quantity rules, and what they are offered (listings: ``listings.py``)."""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import Field

from truecount.domain.commands import CreateChannel, SetRule
from truecount.domain.ledger import MAX_REQUEST_QUANTITY
from truecount.services.channels import setup as channels
from truecount.services.channels.config import configure_channel
from truecount.services.offers import recompute as offers
from truecount.services.offers import rules as offer_rules
from truecount.services.sync.check import check_channel

from ..deps import DbDep, IdempotencyKey, PageDep, RequireRole, ScopeDep, paginate
from ..schemas import Code, Input, Output
from . import API_PREFIX

router = APIRouter(prefix=API_PREFIX, tags=["channels"])

ChannelCode = Annotated[str, Path(min_length=1, max_length=64, description="The channel's code.")]
SkuPath = Annotated[str, Path(min_length=1, max_length=128, description="SKU or barcode.")]
Count = Annotated[int, Field(strict=True, ge=0, le=MAX_REQUEST_QUANTITY)]


class ChannelCreate(Input):
    code: Annotated[str, Field(min_length=1, max_length=64)]
    kind: Literal["shopify", "amazon", "ebay", "woocommerce", "pos", "manual"]
    locations: list[Code] = Field(min_length=1, description="Codes of the locations feeding it, in priority order.")
    inventory_types: list[Code] | None = Field(None, description="Types it sells (default: the sellable ones).")
    allocation: Literal["priority", "most_available", "cheapest", "fastest", "reliable", "own_first"] = "priority"
    push: Literal["immediate", "interval"] = "immediate"
    push_interval_s: float = Field(600.0, ge=1, le=86_400)
    always_in_stock: Count = Field(100, description="Offered for variants that are not tracked.")
    config: dict[str, Any] = Field(default_factory=dict, description="Connector settings.")


class ChannelPublic(Output):
    id: int
    code: str
    kind: str
    locations: list[str]
    inventory_types: list[str]
    allocation: str
    push: str
    push_interval_s: float
    always_in_stock: int


class RuleSet(Input):
    """One of `{kind: "reserve", quantity}`, `{kind: "stop_sell"}`, `{kind: "prebook", quantity}`,
    `{kind: "percent", percent, location?}`, `{kind: "fixed", quantity}`, `{kind: "cap", quantity}`.
    A percent rule may also carry `reserve` and `cap`; reserve and prebook rules a `cap`."""

    kind: Literal["reserve", "stop_sell", "prebook", "percent", "fixed", "cap"]
    quantity: Count | None = None
    percent: Annotated[Decimal | None, Field(ge=0, le=100, decimal_places=2)] = None
    location: Code | None = Field(None, description="percent: of this location's available stock, not the pool.")
    reserve: Count | None = None
    cap: Count | None = None


class RulePublic(Output):
    channel: str
    sku: str
    kind: str
    quantity: int | None = None
    percent: float | None = None
    location: str | None = None
    reserve: int | None = None
    cap: int | None = None
    quantity_offered: int = Field(description="What the channel is offered for the SKU under this rule.")


class ListingLink(Output):
    id: int
    external_ref: str


class QuantityPublic(Output):
    sku: str
    quantity: int
    explain: dict[str, Any] = Field(description="Pool by location and type, the rule, each step, the result.")
    listing: ListingLink | None = None


@router.post(
    "/channels",
    status_code=201,
    response_model=ChannelPublic,
    dependencies=[RequireRole("admin")],
    summary="Add a sales channel",
)
def create_channel(body: ChannelCreate, db: DbDep, scope: ScopeDep, key: IdempotencyKey = None) -> ChannelPublic:
    created = channels.create_channel(db, scope, CreateChannel(**body.model_dump()), key)
    return ChannelPublic.model_validate(created)


class ConfigPatch(Input):
    """A JSON merge patch of the connector settings: a key set to null is removed."""

    config: dict[str, Any] = Field(
        min_length=1, description='e.g. {"base_url": "http://127.0.0.1:8101", "reconcile_interval_s": 900}'
    )


class ConnectionPublic(Output):
    channel: str
    kind: str
    connected: bool = Field(description="A base_url is set: the worker syncs this channel.")
    config: dict[str, Any] = Field(description="The connector settings, secrets masked.")


@router.patch(
    "/channels/{code}/config",
    response_model=ConnectionPublic,
    dependencies=[RequireRole("admin")],
    summary="Connect a channel or change its connector settings (merge patch; null removes a key)",
)
def patch_channel_config(
    code: ChannelCode, body: ConfigPatch, db: DbDep, scope: ScopeDep, key: IdempotencyKey = None
) -> ConnectionPublic:
    return ConnectionPublic.model_validate(configure_channel(db, scope, code, body.config, key))


class CheckItem(Output):
    name: str = Field(description="What was checked: credentials, API version, scopes, location, marketplace…")
    ok: bool
    detail: str = Field(description="What was found, in plain words.")
    fix: str = Field(description="What to do about it (may be set on a passing check as advice).")


class CheckPublic(Output):
    channel: str
    kind: str
    ok: bool = Field(description="Every check passed: the channel syncs with these settings.")
    summary: str
    checks: list[CheckItem]
    paused_for_credentials: str | None = Field(description="Why the channel was waiting for its credentials.")
    resumed: bool = Field(description="The check found the credentials working and ended that wait.")


@router.post(
    "/channels/{code}/check",
    response_model=CheckPublic,
    dependencies=[RequireRole("admin")],
    summary="Check a channel's connection with its stored credentials: what works and what to fix",
)
def post_channel_check(code: ChannelCode, db: DbDep, scope: ScopeDep) -> CheckPublic:
    return CheckPublic.model_validate(check_channel(db, scope, code))


def _offered(db: DbDep, scope: ScopeDep, code: str, sku: str) -> int:
    return offers.quantities(db, scope, code, sku)[0].quantity


@router.put(
    "/channels/{code}/rules/{sku:path}",
    response_model=RulePublic,
    dependencies=[RequireRole("admin")],
    summary="Set the channel's quantity rule for a SKU (replacing any)",
)
def put_rule(
    code: ChannelCode, sku: SkuPath, body: RuleSet, db: DbDep, scope: ScopeDep, key: IdempotencyKey = None
) -> RulePublic:
    saved = offer_rules.set_rule(db, scope, code, sku, SetRule(**body.model_dump()), key)
    return RulePublic.model_validate({**asdict(saved), "quantity_offered": _offered(db, scope, code, sku)})


@router.delete(
    "/channels/{code}/rules/{sku:path}",
    status_code=204,
    dependencies=[RequireRole("admin")],
    summary="Back to the default rule (offer the pool)",
)
def delete_rule(code: ChannelCode, sku: SkuPath, db: DbDep, scope: ScopeDep, key: IdempotencyKey = None) -> Response:
    offer_rules.clear_rule(db, scope, code, sku, key)
    return Response(status_code=204)


@router.get(
    "/channels/{code}/quantities",
    response_model=list[QuantityPublic],
    summary="What the channel would be offered for every variant of the catalogue, explained",
)
def get_quantities(
    request: Request,
    response: Response,
    code: ChannelCode,
    db: DbDep,
    scope: ScopeDep,
    page: PageDep,
    sku: Annotated[str | None, Query(min_length=1, max_length=128, description="One SKU or barcode.")] = None,
) -> list[QuantityPublic]:
    rows = offers.quantities(db, scope, code, sku, limit=page.limit, offset=page.offset)
    return paginate(request, response, page, [QuantityPublic.model_validate(r) for r in rows], paged=True)
