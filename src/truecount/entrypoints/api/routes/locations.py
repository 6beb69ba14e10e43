"""``/api/v1/locations``: warehouses, stores, drop-ship suppliers, 3PLs and the bins inside them."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request, Response
from pydantic import Field

from truecount.domain.commands import AddLocation
from truecount.services.catalog import browse
from truecount.services.catalog.records import add_location

from ..deps import DbDep, IdempotencyKey, PageDep, RequireRole, ScopeDep, paginate
from ..schemas import Code, Flag, Input, Name, Output, WholeNumber
from . import API_PREFIX

router = APIRouter(prefix=API_PREFIX, tags=["locations"])


class LocationCreate(Input):
    code: Code
    name: Name
    kind: Literal["warehouse", "store", "dropship", "3pl"] = "warehouse"
    saleable: Flag = Field(True, description="False: counted and shown, but feeds no channel.")
    parent: Code | None = Field(None, description="Code of the location this bin is inside (counts roll up).")
    priority: WholeNumber = Field(100, ge=0, le=1_000_000, description="Fulfilment priority, lower first.")


class LocationPublic(Output):
    id: int
    code: str
    name: str
    kind: str
    saleable: bool
    parent: str | None
    priority: int
    replayed: bool = False


@router.post(
    "/locations",
    status_code=201,
    response_model=LocationPublic,
    dependencies=[RequireRole("admin")],
    summary="Add a location or a bin",
)
def create_location(body: LocationCreate, db: DbDep, scope: ScopeDep, key: IdempotencyKey = None) -> LocationPublic:
    created = add_location(db, scope, AddLocation(**body.model_dump()), key)
    return LocationPublic.model_validate(created)


@router.get("/locations", response_model=list[LocationPublic], summary="Every location, by code")
def list_locations(
    request: Request, response: Response, db: DbDep, scope: ScopeDep, page: PageDep
) -> list[LocationPublic]:
    rows = [LocationPublic.model_validate(row) for row in browse.list_locations(db, scope)]
    return paginate(request, response, page, rows)
