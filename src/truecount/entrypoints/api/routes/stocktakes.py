"""``/api/v1/stocktakes``: count a location (or some of its bins), record counted figures, see the
variance, approve to post the counts (one ``count`` movement per counted line) or cancel.

A blind stocktake hides expected figures and variance from callers below the admin role, and
only an admin approves it.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Request, Response
from pydantic import Field

from truecount.domain.accounts import Principal, role_allows
from truecount.domain.ledger import MAX_REQUEST_QUANTITY
from truecount.domain.stocktake import CountLine, StartStocktake
from truecount.services.stock.stocktakes import (
    approve_stocktake,
    cancel_stocktake,
    list_stocktakes,
    record_counts,
    show_stocktake,
    start_stocktake,
)

from ..deps import CurrentUser, DbDep, IdempotencyKey, PageDep, ScopeDep, StaffUser, paginate
from ..schemas import Code, Flag, Input, Output
from . import API_PREFIX

router = APIRouter(prefix=API_PREFIX, tags=["stocktakes"])

StocktakeId = Annotated[int, Path(ge=1, le=2**62, description="The stocktake's id.")]


def may_see(user: Principal) -> bool:
    """Who sees a blind count's expected figures (and approves it): admins."""
    return role_allows(user.role, "admin")


class StocktakeCreate(Input):
    location: Code = Field(description="The location counted: its own shelf and its bins.")
    bins: list[Code] = Field(
        default_factory=list, max_length=500, description="Only these places (the location or its bins)."
    )
    blind: Flag = Field(False, description="Counters do not see the expected figures.")


class CountIn(Input):
    sku: Code = Field(description="SKU or barcode.")
    counted: Annotated[int, Field(strict=True, ge=0, le=MAX_REQUEST_QUANTITY)] = Field(
        description="The figure found, or with add: units to add."
    )
    place: Code | None = Field(None, description="The location or one of its bins (default: the stocktake's location).")
    inventory_type: Code = "good"
    add: Flag = Field(False, description="Add to what is counted so far (a scan) instead of setting it.")


class CountsIn(Input):
    lines: list[CountIn] = Field(min_length=1, max_length=500)


class StocktakeLine(Output):
    line: int
    sku: str
    name: str
    place: str
    inventory_type: str
    expected: int | None = Field(description="Recorded on hand when counted; null when hidden (a blind count).")
    counted: int | None
    variance: int | None = Field(description="counted − expected; null when not counted or hidden.")


class StocktakeSummary(Output):
    id: int
    location: str
    places: list[str]
    blind: bool
    status: Literal["counting", "approved", "cancelled"]
    started_by: str
    started_at: str
    closed_by: str | None
    closed_at: str | None
    expected_shown: bool
    counted_lines: int
    variance_units: int | None


class StocktakePublic(StocktakeSummary):
    lines: list[StocktakeLine]


@router.post("/stocktakes", status_code=201, response_model=StocktakePublic, summary="Start a stocktake")
def create(
    body: StocktakeCreate, user: StaffUser, db: DbDep, scope: ScopeDep, key: IdempotencyKey = None
) -> StocktakePublic:
    started = start_stocktake(db, scope, StartStocktake(body.location, list(body.bins), body.blind), key)
    return StocktakePublic.model_validate(show_stocktake(db, scope, started.id, may_see(user)))


@router.get("/stocktakes", response_model=list[StocktakeSummary], summary="Stocktakes, newest first")
def index(request: Request, response: Response, db: DbDep, scope: ScopeDep, page: PageDep) -> list[StocktakeSummary]:
    rows = [StocktakeSummary.model_validate(s) for s in list_stocktakes(db, scope, page.limit, page.offset)]
    return paginate(request, response, page, rows, paged=True)


@router.get("/stocktakes/{stocktake_id}", response_model=StocktakePublic, summary="One stocktake with its lines")
def one(stocktake_id: StocktakeId, user: CurrentUser, db: DbDep, scope: ScopeDep) -> StocktakePublic:
    return StocktakePublic.model_validate(show_stocktake(db, scope, stocktake_id, may_see(user)))


@router.post("/stocktakes/{stocktake_id}/counts", response_model=StocktakePublic, summary="Record counted figures")
def counts(
    stocktake_id: StocktakeId, body: CountsIn, user: StaffUser, db: DbDep, scope: ScopeDep, key: IdempotencyKey = None
) -> StocktakePublic:
    lines = [CountLine(c.sku, c.counted, c.place, c.inventory_type, c.add) for c in body.lines]
    return StocktakePublic.model_validate(record_counts(db, scope, stocktake_id, lines, may_see(user), key))


@router.post("/stocktakes/{stocktake_id}/approve", response_model=StocktakePublic, summary="Post the counts")
def approve(
    stocktake_id: StocktakeId, user: StaffUser, db: DbDep, scope: ScopeDep, key: IdempotencyKey = None
) -> StocktakePublic:
    return StocktakePublic.model_validate(approve_stocktake(db, scope, stocktake_id, may_see(user), key))


@router.post("/stocktakes/{stocktake_id}/cancel", response_model=StocktakePublic, summary="Close without posting")
def cancel(stocktake_id: StocktakeId, user: StaffUser, db: DbDep, scope: ScopeDep) -> StocktakePublic:
    cancel_stocktake(db, scope, stocktake_id)
    return StocktakePublic.model_validate(show_stocktake(db, scope, stocktake_id, may_see(user)))
