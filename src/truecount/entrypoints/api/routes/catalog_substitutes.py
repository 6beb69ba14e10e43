"""``/api/v1/variants/{sku}/substitutes``: the variants that may ship when a variant runs short.

(Named to come before ``products`` in module order: its ``GET /variants/{sku:path}`` would
otherwise take ``…/substitutes`` for part of a SKU.)
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import Field

from truecount.domain.substitutes import MAX_RATIO, AddSubstitute
from truecount.services.catalog import substitutes

from ..deps import DbDep, IdempotencyKey, RequireRole, ScopeDep
from ..schemas import Code, Flag, Input, Output, WholeNumber
from . import API_PREFIX

router = APIRouter(prefix=API_PREFIX, tags=["substitutes"])


class SubstituteCreate(Input):
    substitute: Code = Field(description="SKU (or barcode) of the variant that may ship in its place.")
    ratio: WholeNumber = Field(1, description=f"Units of the substitute shipped per unit ordered, 1 to {MAX_RATIO}.")
    channels: list[Code] | None = Field(None, max_length=100, description="Channel codes that allow it; null: all.")
    notify: Flag = Field(False, description="The customer must be told when it ships instead.")


class SubstitutePublic(Output):
    position: int
    sku: str
    ratio: int
    channels: list[str] | None
    notify: bool


class SubstitutesPublic(Output):
    sku: str
    substitutes: list[SubstitutePublic]
    replayed: bool = False


@router.get(
    "/variants/{sku:path}/substitutes", response_model=SubstitutesPublic, summary="A variant's substitutes, in order"
)
def list_substitutes(sku: str, db: DbDep, scope: ScopeDep) -> SubstitutesPublic:
    return SubstitutesPublic.model_validate(substitutes.list_substitutes(db, scope, sku))


@router.post(
    "/variants/{sku:path}/substitutes",
    status_code=201,
    response_model=SubstitutesPublic,
    dependencies=[RequireRole("admin")],
    summary="Add a substitute at the end of a variant's list",
)
def add_substitute(
    sku: str, body: SubstituteCreate, db: DbDep, scope: ScopeDep, key: IdempotencyKey = None
) -> SubstitutesPublic:
    cmd = AddSubstitute(sku=sku, **body.model_dump())
    return SubstitutesPublic.model_validate(substitutes.add_substitute(db, scope, cmd, key))


@router.delete(
    "/variants/{sku:path}/substitutes/{substitute}",
    response_model=SubstitutesPublic,
    dependencies=[RequireRole("admin")],
    summary="Take a substitute off a variant's list",
)
def remove_substitute(
    sku: str, substitute: str, db: DbDep, scope: ScopeDep, key: IdempotencyKey = None
) -> SubstitutesPublic:
    return SubstitutesPublic.model_validate(substitutes.remove_substitute(db, scope, sku, substitute, key))
