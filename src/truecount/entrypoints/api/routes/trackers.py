"""``/api/v1/trackers``: stock health trackers — upsert by key, list lowest health first."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import Field

from truecount.domain.commands import SetTracker
from truecount.services.trackers import watch as trackers

from ..deps import DbDep, IdempotencyKey, PageDep, RequireRole, ScopeDep, paginate
from ..schemas import Code, Input, Output
from . import API_PREFIX

router = APIRouter(prefix=API_PREFIX, tags=["trackers"])

MechanismName = Literal["stock_quantity", "turnover_days", "stalled_days"]


def _param(description: str) -> object:
    """A whole number as JSON sends it (strict: ``"5"``, ``5.0`` and ``true`` are refused)."""
    return Field(strict=True, description=description)


class TrackerParams(Input):
    """Each mechanism takes its own: stock_quantity (`below`, `expiry_days?`), turnover_days
    (`lookback_days`, `coverage_days`, `expiry_days?`), stalled_days (`lookback_days`, `quantity`).
    Another mechanism's parameter is refused."""

    below: Annotated[int | None, _param("stock_quantity: the safety stock in units; health = stock ÷ below.")] = None
    expiry_days: Annotated[
        int | None,
        _param("Count only stock whose lot expires more than N days from today (stock without expiry always counts)."),
    ] = None
    lookback_days: Annotated[int | None, _param("turnover_days, stalled_days: the window in days.")] = None
    coverage_days: Annotated[int | None, _param("turnover_days: days of average sales the stock should cover.")] = None
    quantity: Annotated[int | None, _param("stalled_days: units expected to ship in the window.")] = None


class TrackerSet(Input):
    sku: Code = Field(description="SKU or barcode.")
    inventory_type: Code = Field("good", description="The inventory type (condition) watched.")
    mechanism: MechanismName
    params: TrackerParams


class TrackerPublic(Output):
    sku: str
    inventory_type: str
    mechanism: str
    params: dict[str, int]
    current: int = Field(description="Stock that counts (stalled_days: units shipped in the window).")
    threshold: float = Field(description="below, the turnover threshold (avg daily sales × coverage) or quantity.")
    health: float = Field(description="Percent, one decimal; below 100 is an alert.")
    reason: str | None = Field(None, description="Why health is 0 when there is no data (no sales, no shipments).")
    alert: bool = Field(description="health < 100.")


class TrackerSaved(TrackerPublic):
    created: bool = Field(description="False: a tracker with this key existed and its parameters were replaced.")
    replayed: bool = False


@router.put(
    "/trackers",
    response_model=TrackerSaved,
    dependencies=[RequireRole("staff")],
    summary="Create a tracker or update the one with the same (sku, inventory_type, mechanism)",
    responses={201: {"model": TrackerSaved, "description": "Created."}},
)
def put_tracker(
    body: TrackerSet, response: Response, db: DbDep, scope: ScopeDep, key: IdempotencyKey = None
) -> TrackerSaved:
    params = body.params.model_dump(exclude_none=True)
    cmd = SetTracker(body.sku, body.inventory_type, body.mechanism, params)
    saved = TrackerSaved.model_validate(trackers.set_tracker(db, scope, cmd, key))
    response.status_code = 201 if saved.created and not saved.replayed else 200
    return saved


@router.get("/trackers", response_model=list[TrackerPublic], summary="Every tracker's health, lowest first")
def get_trackers(
    request: Request, response: Response, db: DbDep, scope: ScopeDep, page: PageDep
) -> list[TrackerPublic]:
    rows = [TrackerPublic.model_validate(r) for r in trackers.list_trackers(db, scope)]
    return paginate(request, response, page, rows)


@router.delete(
    "/trackers",
    status_code=204,
    dependencies=[RequireRole("staff")],
    summary="Stop watching a (sku, inventory_type) by a mechanism",
)
def delete_tracker(
    db: DbDep,
    scope: ScopeDep,
    sku: Annotated[str, Query(min_length=1, max_length=128)],
    mechanism: MechanismName,
    inventory_type: Annotated[str, Query(min_length=1, max_length=128)] = "good",
) -> Response:
    trackers.delete_tracker(db, scope, sku, inventory_type, mechanism)
    return Response(status_code=204)
