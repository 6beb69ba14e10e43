"""Stock work (``/work``): receive a quantity (with a lot and expiry), adjust with a reason from a
list, transfer N between locations or bins — one form each, by search or scan.

Each form posts to ``/work/{act}`` and calls :func:`~truecount.services.stock.movements.post_movement`,
the write path of ``POST /api/v1/movements`` and of the CLI; a refusal re-renders the form
with the reason and what was typed, success redirects back with what was recorded.
"""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from truecount.domain.accounts import Principal
from truecount.domain.commands import PostMovement
from truecount.domain.errors import InvalidInput, TruecountError
from truecount.entrypoints.api.deps import CurrentUser, DbDep, ScopeDep, StaffUser
from truecount.services.catalog import browse
from truecount.services.common.scope import Scope
from truecount.services.stock.movements import MovementRecorded, post_movement

from ..forms import text, whole
from ..render import render

router = APIRouter(include_in_schema=False)

ACTS = {"receive": "Receive", "adjust": "Adjust", "transfer": "Transfer"}
REASONS = ["damaged", "lost", "found", "theft", "expired", "sample", "correction"]


def _page(
    request: Request, user: Principal, db: Any, scope: Scope, act: str, status: int = 200, **extra: Any
) -> HTMLResponse:
    return render(
        request,
        "stock_work.html",
        user,
        status,
        act=act,
        acts=ACTS,
        reasons=REASONS,
        locations=browse.list_locations(db, scope),
        types=browse.list_inventory_types(db, scope),
        key=secrets.token_urlsafe(12),
        **{"entered": {}, "error": None, "done": "", **extra},
    )


@router.get("/work", response_class=HTMLResponse)
def stock_work(
    request: Request, user: CurrentUser, db: DbDep, scope: ScopeDep, act: str = "receive", done: str = ""
) -> HTMLResponse:
    return _page(request, user, db, scope, act if act in ACTS else "receive", done=done[:300])


def _command(act: str, form: FormData) -> PostMovement:
    sku = text(form, "sku", required=True)
    itype = text(form, "inventory_type") or "good"
    lot = text(form, "lot") or None
    reference = text(form, "reference") or None
    if act == "receive":
        expires = text(form, "expires_on")
        try:
            expires_on = date.fromisoformat(expires) if expires else None
        except ValueError:
            raise InvalidInput("must be a date (YYYY-MM-DD)", field="expires_on") from None
        quantity = whole(text(form, "quantity", required=True), "quantity")
        where = text(form, "location", required=True)
        return PostMovement("receive", sku, where, quantity, None, itype, lot, expires_on, None, reference)
    if act == "adjust":
        reason = text(form, "reason")
        if reason == "other":
            reason = text(form, "other_reason", required=True)
        delta = whole(text(form, "quantity", required=True), "quantity", signed=True)
        if text(form, "direction") == "remove":
            delta = -abs(delta)
        where = text(form, "location", required=True)
        return PostMovement("adjust", sku, where, delta, None, itype, lot, None, reason or None, reference)
    quantity = whole(text(form, "quantity", required=True), "quantity")
    source, dest = text(form, "location", required=True), text(form, "to_location", required=True)
    return PostMovement("transfer", sku, source, quantity, dest, itype, lot, None, None, reference)


def _said(act: str, result: MovementRecorded, cmd: PostMovement) -> str:
    level = result.levels[0]
    verb = {"receive": "received", "adjust": "adjusted", "transfer": "moved"}[act]
    figure = f"{cmd.quantity:+d}" if act == "adjust" else str(cmd.quantity)
    where = f"{cmd.location} → {cmd.to_location}" if act == "transfer" else cmd.location
    lot = f" (lot {cmd.lot})" if cmd.lot else ""
    return f"{verb} {figure} × {result.sku}{lot} at {where} — on hand {level.on_hand} at {level.location}"


@router.post("/work/{act}", response_class=HTMLResponse)
async def post_work(request: Request, act: str, user: StaffUser, db: DbDep, scope: ScopeDep) -> Response:
    form = await request.form()
    entered = {name: value for name, value in form.items() if isinstance(value, str) and name != "csrf_token"}
    try:
        if act not in ACTS:
            raise InvalidInput(f"must be one of {', '.join(ACTS)}", field="act")
        cmd = _command(act, form)
        key = text(form, "key")
        result = post_movement(db, scope, cmd, f"web-work:{key}" if key else None)
    except TruecountError as refused:
        return _page(
            request, user, db, scope, act if act in ACTS else "receive", refused.status, entered=entered, error=refused
        )
    return RedirectResponse(f"/work?{urlencode({'act': act, 'done': _said(act, result, cmd)})}", status_code=303)
