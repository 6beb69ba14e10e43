"""A channel's listings page: each listing's quantity and price with their explanation."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from truecount.domain.offers import describe
from truecount.entrypoints.api.deps import CurrentUser, DbDep, ScopeDep
from truecount.services.offers.listings import list_listings

from ..render import render

router = APIRouter(include_in_schema=False)


@router.get("/channels/{code}/listings", response_class=HTMLResponse)
def listings_page(code: str, request: Request, user: CurrentUser, db: DbDep, scope: ScopeDep) -> HTMLResponse:
    rows = list_listings(db, scope, code)
    why = {row.id: describe(row.explain) if row.explain else "" for row in rows}
    return render(request, "listings.html", user, channel=code, listings=rows, why=why)
