"""Pick lists in the browser (``/pick-lists``): make one for some orders and work orders at a
location, print it (the page, or its PDF), and scan against it on the scan page (``/scan/pick``,
JSON for the page's script). The same service functions as ``/api/v1/pick-lists`` and
``truecount picklist``."""

from __future__ import annotations

import secrets
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import Field

from truecount.domain.accounts import Principal
from truecount.domain.errors import TruecountError
from truecount.domain.ledger import MAX_REQUEST_QUANTITY
from truecount.domain.picking import MakePickList, PickScan, parse_numbers
from truecount.entrypoints.api.deps import CurrentUser, DbDep, RequireRole, ScopeDep, StaffUser
from truecount.entrypoints.api.schemas import Input
from truecount.services.catalog import browse
from truecount.services.common.scope import Scope
from truecount.services.picking.lists import list_pick_lists, make_pick_list, show_pick_list
from truecount.services.picking.scans import scan_pick

from ...pick_list_pdf import pick_list_pdf
from ..forms import text
from ..render import render

router = APIRouter(include_in_schema=False)


@router.get("/pick-lists", response_class=HTMLResponse)
def pick_lists_page(
    request: Request, user: CurrentUser, db: DbDep, scope: ScopeDep, orders: str = "", work_orders: str = ""
) -> HTMLResponse:
    return _list(request, user, db, scope, asked={"orders": orders[:200], "work_orders": work_orders[:200]})


def _list(
    request: Request, user: Principal, db: Any, scope: Scope, status: int = 200, error: Any = None, **extra: Any
) -> HTMLResponse:
    return render(
        request,
        "pick_lists.html",
        user,
        status,
        pick_lists=list_pick_lists(db, scope),
        locations=browse.list_locations(db, scope),
        key=secrets.token_urlsafe(12),
        error=error,
        done="",
        **{"asked": {}, **extra},
    )


@router.post("/pick-lists", response_class=HTMLResponse)
async def make(request: Request, user: StaffUser, db: DbDep, scope: ScopeDep) -> Response:
    form = await request.form()
    asked = {
        "location": text(form, "location"),
        "orders": text(form, "orders"),
        "work_orders": text(form, "work_orders"),
    }
    try:
        cmd = MakePickList(
            text(form, "location", required=True),
            parse_numbers(asked["orders"], "orders"),
            parse_numbers(asked["work_orders"], "work_orders"),
        )
        key = text(form, "key")
        made = make_pick_list(db, scope, cmd, f"web-picklist:{key}" if key else None)
    except TruecountError as refused:
        return _list(request, user, db, scope, refused.status, refused, asked=asked)
    return RedirectResponse(f"/pick-lists/{made.id}", status_code=303)


@router.get("/pick-lists/{pid:int}", response_class=HTMLResponse)
def pick_list_page(request: Request, pid: int, user: CurrentUser, db: DbDep, scope: ScopeDep) -> HTMLResponse:
    return render(request, "pick_list.html", user, picks=show_pick_list(db, scope, pid))


@router.get("/pick-lists/{pid:int}/pdf")
def pick_list_pdf_page(pid: int, user: CurrentUser, db: DbDep, scope: ScopeDep) -> Response:
    picks = show_pick_list(db, scope, pid)
    headers = {"Content-Disposition": f'inline; filename="pick-list-{picks.id}.pdf"'}
    return Response(pick_list_pdf(picks), media_type="application/pdf", headers=headers)


class PickIn(Input):
    pick_list: Annotated[int, Field(strict=True, ge=1, le=2**62)]
    code: Annotated[str, Field(max_length=128)]
    quantity: Annotated[int, Field(strict=True, ge=1, le=MAX_REQUEST_QUANTITY)] = 1
    key: Annotated[str, Field(max_length=100)] | None = None


@router.post("/scan/pick", dependencies=[RequireRole("staff")])
def scan_to_pick(body: PickIn, db: DbDep, scope: ScopeDep) -> dict[str, Any]:
    """The scan page's pick-list mode: the scan ticked (or the refusal, in the API's error shape)."""
    cmd = PickScan(body.pick_list, body.code, body.quantity)
    return asdict(scan_pick(db, scope, cmd, f"pick:{body.key}" if body.key else None))
