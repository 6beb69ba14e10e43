"""The orders page (open orders and their bookings) and the incidents page (oversells)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from truecount.entrypoints.api.deps import CurrentUser, DbDep, ScopeDep
from truecount.services.orders.views import list_incidents, list_orders

from ..render import render

router = APIRouter(include_in_schema=False)

PAGE = 50


@router.get("/orders", response_class=HTMLResponse)
def orders_page(
    request: Request,
    user: CurrentUser,
    db: DbDep,
    scope: ScopeDep,
    status: Annotated[str, Query(pattern="^(open|fulfilled|cancelled|all)$")] = "open",
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> HTMLResponse:
    rows = list_orders(db, scope, None if status == "all" else status, PAGE + 1, offset)
    return render(
        request, "orders.html", user, orders=rows[:PAGE], more=len(rows) > PAGE, shown=status, offset=offset, page=PAGE
    )


@router.get("/incidents", response_class=HTMLResponse)
def incidents_page(
    request: Request,
    user: CurrentUser,
    db: DbDep,
    scope: ScopeDep,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> HTMLResponse:
    rows = list_incidents(db, scope, PAGE + 1, offset)
    return render(
        request, "incidents.html", user, incidents=rows[:PAGE], more=len(rows) > PAGE, offset=offset, page=PAGE
    )
