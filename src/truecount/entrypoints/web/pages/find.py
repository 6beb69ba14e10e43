"""``/find/variants?q=`` (JSON): the SKU picker of the daily-work forms — a typed part of a SKU or
name, or a scanned barcode, answered with up to 10 variants (a whole SKU or barcode first)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from truecount.entrypoints.api.deps import CurrentUser, DbDep, ScopeDep
from truecount.services.stock.levels import search_variants

router = APIRouter(include_in_schema=False)


@router.get("/find/variants")
def find_variants(
    _user: CurrentUser, db: DbDep, scope: ScopeDep, q: Annotated[str, Query(max_length=128)] = ""
) -> list[dict[str, Any]]:
    code = q.strip()
    if not code:
        return []
    found = search_variants(db, scope, code, 50)
    exact = [v for v in found if v.sku.lower() == code.lower() or code in v.barcodes]
    rest = sorted(
        (v for v in found if v not in exact), key=lambda v: (not v.sku.lower().startswith(code.lower()), v.sku)
    )
    return [{"sku": v.sku, "name": v.name, "barcodes": v.barcodes} for v in [*exact, *rest][:10]]
