"""``GET /api/v1/stock`` and ``GET /api/v1/stock/{sku}/history``: the count, and why it is what it is."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import Field

from truecount.services.stock import levels as stock_service

from ..deps import DbDep, PageDep, ScopeDep, paginate
from ..schemas import Instant, Output
from . import API_PREFIX

router = APIRouter(prefix=API_PREFIX, tags=["stock"])


class LotPublic(Output):
    lot: str
    expires_on: date | None
    on_hand: int


class StockRow(Output):
    sku: str
    location: str = Field(description="The location's code.")
    inventory_type: str
    on_hand: int
    booked: int
    available: int
    lots: list[LotPublic] = Field(description="on_hand split by lot (only lotted stock).")


class HistoryRow(Output):
    id: int
    kind: str
    location: str | None = Field(description="None for a backorder (owed, at no location).")
    inventory_type: str
    lot: str | None
    on_hand_delta: int
    booked_delta: int
    counted: int | None = Field(description="The figure a stocktake found.")
    actor: str
    at: datetime
    reason: str | None
    reference: str | None


@router.get("/stock", response_model=list[StockRow], summary="On hand, booked and available")
def get_stock(
    request: Request,
    response: Response,
    db: DbDep,
    scope: ScopeDep,
    page: PageDep,
    sku: Annotated[str | None, Query(max_length=128, description="SKU or barcode.")] = None,
    location: Annotated[str | None, Query(max_length=128, description="Location code (its bins included).")] = None,
    as_of: Annotated[
        Instant | None, Query(description="The count as it was at this instant, ISO 8601 (UTC if no zone).")
    ] = None,
) -> list[StockRow]:
    if as_of is not None and as_of.tzinfo is None:
        as_of = as_of.replace(tzinfo=UTC)
    rows = stock_service.stock(db, scope, sku or None, location or None, as_of)
    return paginate(request, response, page, [StockRow.model_validate(r) for r in rows])


@router.get("/stock/{sku:path}/history", response_model=list[HistoryRow], summary="The movements behind a count")
def get_history(
    request: Request, response: Response, db: DbDep, scope: ScopeDep, page: PageDep, sku: str
) -> list[HistoryRow]:
    rows = stock_service.history(db, scope, sku, limit=min(page.offset + page.limit, 100_000))
    return paginate(request, response, page, [HistoryRow.model_validate(r) for r in rows])
