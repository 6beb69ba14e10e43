"""Stocktakes in the browser (``/stocktakes``): start a count of a location (or some bins), scan or
type counted figures, see the variance (unless blind), approve to post the counts.

The same service functions as ``/api/v1/stocktakes`` and ``truecount stocktake``; a blind count
shows expected figures and variance only to admins, who approve it.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from truecount.domain.accounts import Principal
from truecount.domain.errors import InvalidInput, TruecountError
from truecount.domain.stocktake import CountLine, StartStocktake
from truecount.entrypoints.api.deps import CurrentUser, DbDep, ScopeDep, StaffUser
from truecount.entrypoints.api.routes.stocktakes import may_see
from truecount.services.catalog import browse
from truecount.services.common.scope import Scope
from truecount.services.stock.scanning import identify
from truecount.services.stock.stocktakes import (
    approve_stocktake,
    cancel_stocktake,
    list_stocktakes,
    record_counts,
    show_stocktake,
    start_stocktake,
)

from ..forms import line_quantities, text, whole
from ..render import render

router = APIRouter(include_in_schema=False)


@router.get("/stocktakes", response_class=HTMLResponse)
def stocktakes_page(request: Request, user: CurrentUser, db: DbDep, scope: ScopeDep) -> HTMLResponse:
    return _list(request, user, db, scope)


def _list(
    request: Request, user: Principal, db: Any, scope: Scope, status: int = 200, error: Any = None
) -> HTMLResponse:
    return render(
        request,
        "stocktakes.html",
        user,
        status,
        stocktakes=list_stocktakes(db, scope, 50, 0),
        locations=browse.list_locations(db, scope),
        key=secrets.token_urlsafe(12),
        error=error,
        done="",
    )


@router.post("/stocktakes", response_class=HTMLResponse)
async def start(request: Request, user: StaffUser, db: DbDep, scope: ScopeDep) -> Response:
    form = await request.form()
    bins = [str(b) for b in form.getlist("bins") if str(b).strip()]
    try:
        cmd = StartStocktake(text(form, "location", required=True), bins, form.get("blind") == "true")
        key = text(form, "key")
        started = start_stocktake(db, scope, cmd, f"web-stocktake:{key}" if key else None)
    except TruecountError as refused:
        return _list(request, user, db, scope, refused.status, refused)
    return RedirectResponse(f"/stocktakes/{started.id}", status_code=303)


def _one(
    request: Request, user: Principal, db: Any, scope: Scope, sid: int, status: int = 200, place: str = "", **extra: Any
) -> HTMLResponse:
    take = show_stocktake(db, scope, sid, may_see(user))
    context: dict[str, Any] = {"error": None, "done": "", "place": place or take.location, **extra}
    return render(request, "stocktake.html", user, status, take=take, key=secrets.token_urlsafe(12), **context)


@router.get("/stocktakes/{sid:int}", response_class=HTMLResponse)
def stocktake_page(
    request: Request, sid: int, user: CurrentUser, db: DbDep, scope: ScopeDep, done: str = "", place: str = ""
) -> HTMLResponse:
    return _one(request, user, db, scope, sid, place=place[:64], done=done[:300])


@router.post("/stocktakes/{sid:int}/{act}", response_class=HTMLResponse)
async def act(request: Request, sid: int, act: str, user: StaffUser, db: DbDep, scope: ScopeDep) -> Response:
    form = await request.form()
    place = text(form, "place")
    try:
        said = _do(db, scope, user, sid, act, form)
    except TruecountError as refused:
        return _one(request, user, db, scope, sid, refused.status, place, error=refused)
    query = {"done": said, **({"place": place} if place else {})}
    return RedirectResponse(f"/stocktakes/{sid}?{urlencode(query)}", status_code=303)


def _do(db: Any, scope: Scope, user: Principal, sid: int, act: str, form: Any) -> str:
    key = text(form, "key")
    if act == "scan":
        code = text(form, "code", required=True)
        quantity = whole(text(form, "quantity") or "1", "quantity")
        where = text(form, "place") or None
        line = CountLine(code, quantity, where, text(form, "inventory_type") or "good", add=True)
        take = record_counts(db, scope, sid, [line], may_see(user), f"web-scan:{sid}:{key}" if key else None)
        sku = identify(db, scope, code, where or take.location).sku
        found = [ln for ln in take.lines if ln.sku == sku and ln.place == (where or take.location)]
        so_far = f": {found[0].counted} so far at {found[0].place}" if found else ""
        return f"counted {quantity} × {sku}{so_far}"
    if act == "counts":
        figures = line_quantities(form, "count-")
        zeros = {int(n.removeprefix("count-")) for n, v in form.multi_items() if n.startswith("count-") and v == "0"}
        by_id = {ln.line: ln for ln in show_stocktake(db, scope, sid, True).lines}
        lines = [
            CountLine(by_id[i].sku, q, by_id[i].place, by_id[i].inventory_type)
            for i, q in sorted({**figures, **dict.fromkeys(zeros, 0)}.items())
            if i in by_id
        ]
        if not lines:
            raise InvalidInput("type a counted figure on at least one line", field="lines")
        record_counts(db, scope, sid, lines, may_see(user), f"web-counts:{sid}:{key}" if key else None)
        return f"{len(lines)} figure{'s' if len(lines) != 1 else ''} recorded"
    if act == "approve":
        take = approve_stocktake(db, scope, sid, may_see(user), f"web-approve:{sid}")
        return f"approved: {take.counted_lines} counts posted"
    if act == "cancel":
        cancel_stocktake(db, scope, sid)
        return "cancelled: nothing posted"
    raise InvalidInput("must be one of scan, counts, approve, cancel", field="act")
