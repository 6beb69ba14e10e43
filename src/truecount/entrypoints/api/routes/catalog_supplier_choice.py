"""``/api/v1/variants/{sku}/supplier-choice``: a variant's own supplier choice rule, overriding its
channels' allocation.

(Named to come before ``products`` in module order: its ``GET /variants/{sku:path}`` would
otherwise take ``…/supplier-choice`` for part of a SKU.)
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import Field

from truecount.domain.booking.sources import RULES
from truecount.domain.suppliers import SetSupplierChoice
from truecount.services.suppliers import choice

from ..deps import DbDep, IdempotencyKey, RequireRole, ScopeDep
from ..schemas import Input, Output
from . import API_PREFIX

router = APIRouter(prefix=API_PREFIX, tags=["suppliers"])


class SupplierChoicePut(Input):
    rule: str | None = Field(
        max_length=16,
        description=f"The variant's own rule, overriding its channels': {', '.join(RULES)}; null clears it.",
    )


class SupplierChoicePublic(Output):
    sku: str
    rule: str | None = Field(description="The variant's own rule; null: each channel's allocation applies.")
    replayed: bool = False


@router.get(
    "/variants/{sku:path}/supplier-choice",
    response_model=SupplierChoicePublic,
    summary="A variant's own supplier choice rule",
)
def get_supplier_choice(sku: str, db: DbDep, scope: ScopeDep) -> SupplierChoicePublic:
    return SupplierChoicePublic.model_validate(choice.get_supplier_choice(db, scope, sku))


@router.put(
    "/variants/{sku:path}/supplier-choice",
    response_model=SupplierChoicePublic,
    dependencies=[RequireRole("admin")],
    summary="Set (or, with null, clear) a variant's own supplier choice rule",
)
def put_supplier_choice(
    sku: str, body: SupplierChoicePut, db: DbDep, scope: ScopeDep, key: IdempotencyKey = None
) -> SupplierChoicePublic:
    saved = choice.set_supplier_choice(db, scope, SetSupplierChoice(sku, body.rule), key)
    return SupplierChoicePublic.model_validate(saved)
