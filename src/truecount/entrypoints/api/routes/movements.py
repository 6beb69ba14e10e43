"""``POST /api/v1/movements``: receive, adjust, count, transfer, return, feed — one act on stock."""

from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter
from pydantic import Field

from truecount.domain.commands import PostMovement
from truecount.services.stock.movements import post_movement

from ..deps import DbDep, IdempotencyKey, RequireRole, ScopeDep
from ..schemas import Code, Input, Output, Reference, Text, WholeNumber
from . import API_PREFIX

router = APIRouter(prefix=API_PREFIX, tags=["stock"])


class MovementCreate(Input):
    kind: Literal["receive", "adjust", "count", "transfer", "return", "feed"]
    sku: Code = Field(description="SKU or barcode.")
    location: Code
    quantity: WholeNumber = Field(
        description="Units received/returned/moved; the signed change (adjust); "
        "the counted figure (count); the supplier's figure (feed)."
    )
    to_location: Code | None = Field(None, description="Destination of a transfer.")
    inventory_type: Code = "good"
    lot: Code | None = None
    expires_on: date | None = Field(None, description="Expiry date of the lot.")
    reason: Text | None = Field(None, description="Why: required for an adjustment.")
    reference: Reference | None = None


class LevelPublic(Output):
    sku: str
    location: str | None
    inventory_type: str
    on_hand: int
    booked: int
    available: int


class MovementResult(Output):
    sku: str = Field(description="The variant's SKU (also when a barcode was given).")
    movements: list[int] = Field(description="Ids of the ledger lines written (two per lot for a transfer).")
    levels: list[LevelPublic] = Field(description="The levels after the act, at the location (and destination).")
    replayed: bool = False


@router.post(
    "/movements",
    status_code=201,
    response_model=MovementResult,
    dependencies=[RequireRole("staff")],
    summary="Record a movement",
)
def create_movement(body: MovementCreate, db: DbDep, scope: ScopeDep, key: IdempotencyKey = None) -> MovementResult:
    cmd = PostMovement(**body.model_dump())
    return MovementResult.model_validate(post_movement(db, scope, cmd, key))
