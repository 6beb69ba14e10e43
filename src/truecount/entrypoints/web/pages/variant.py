"""The variant page: the count explained — levels, channel offers, the count as of a time, history, a chart;
for a kit, its bill of materials and its work orders; its substitutes, in the order they are tried, with
(for admins) a form to add one and a button to remove each — through the same service functions as the
API and ``truecount substitutes …``. A refusal comes back on the page, named, with what was typed."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from truecount.domain.accounts import Principal
from truecount.domain.errors import TruecountError
from truecount.domain.substitutes import AddSubstitute
from truecount.entrypoints.api.deps import AdminUser, CurrentUser, DbDep, ScopeDep
from truecount.entrypoints.web import dashboard
from truecount.services.assembly import kits
from truecount.services.catalog import substitutes as subs
from truecount.services.common.scope import Scope
from truecount.services.stock import levels as stock_service

from .. import chart
from ..forms import text, whole
from ..offers import attach_offers
from ..render import render

router = APIRouter(include_in_schema=False)

HISTORY_ROWS = 200
SUB_FIELDS = ("substitute", "ratio", "channels", "notify")


def _page(
    request: Request,
    user: Principal,
    db: Any,
    scope: Scope,
    sku: str,
    as_of: datetime | None = None,
    status: int = 200,
    **extra: Any,
) -> HTMLResponse:
    card, row = dashboard.variant_card(db, scope, sku)
    attach_offers(db, scope, [row])
    history = stock_service.history(db, scope, card["sku"], limit=HISTORY_ROWS)
    then = None
    if as_of is not None:
        moment = as_of if as_of.tzinfo else as_of.replace(tzinfo=UTC)
        then = stock_service.stock(db, scope, card["sku"], None, moment)
    drawing = chart.svg(chart.on_hand_series(history, row.on_hand))
    kit = kits.kit_of(db, scope, card["sku"])
    context: dict[str, Any] = {"error": None, "done": "", "sub_form": {"ratio": "1"}, **extra}
    return render(
        request,
        "variant.html",
        user,
        status,
        card=card,
        row=row,
        history=history,
        as_of=as_of.isoformat(timespec="minutes") if as_of else "",
        then=then,
        chart=Markup(drawing),  # built from numbers only
        bill=kit.bill,
        work_orders=kit.work_orders,
        substitutes=subs.list_substitutes(db, scope, card["sku"]).substitutes,
        key=secrets.token_urlsafe(12),
        **context,
    )


@router.get("/variants/{sku:path}", response_class=HTMLResponse)
def variant_page(
    request: Request,
    sku: str,
    user: CurrentUser,
    db: DbDep,
    scope: ScopeDep,
    as_of: Annotated[datetime | None, Query()] = None,
    done: Annotated[str, Query(max_length=300)] = "",
) -> HTMLResponse:
    return _page(request, user, db, scope, sku, as_of, done=done)


def _channels(typed: str) -> list[str] | None:
    """Comma-separated channel codes; empty: every channel."""
    if not typed:
        return None
    return [code.strip() for code in typed.split(",") if code.strip()]


def _back(sku: str, done: str) -> Response:
    return RedirectResponse(f"/variants/{quote(sku, safe='')}?{urlencode({'done': done})}", status_code=303)


@router.post("/substitutes/add", response_class=HTMLResponse)
async def add(request: Request, user: AdminUser, db: DbDep, scope: ScopeDep) -> Response:
    form = await request.form()
    sku = text(form, "sku", required=True)
    typed = {n: text(form, n) for n in SUB_FIELDS}
    try:
        ratio = whole(typed["ratio"], "ratio") if typed["ratio"] else 1
        cmd = AddSubstitute(sku, typed["substitute"], ratio, _channels(typed["channels"]), typed["notify"] == "on")
        key = text(form, "key")
        subs.add_substitute(db, scope, cmd, f"web-substitute-add:{key}" if key else None)
    except TruecountError as refused:
        return _page(request, user, db, scope, sku, status=refused.status, error=refused, sub_form=typed)
    return _back(sku, f"{cmd.substitute} added as a substitute of {sku}")


@router.post("/substitutes/remove", response_class=HTMLResponse)
async def remove(request: Request, user: AdminUser, db: DbDep, scope: ScopeDep) -> Response:
    form = await request.form()
    sku = text(form, "sku", required=True)
    substitute = text(form, "substitute")
    try:
        key = text(form, "key")
        subs.remove_substitute(db, scope, sku, substitute, f"web-substitute-remove:{key}" if key else None)
    except TruecountError as refused:
        return _page(request, user, db, scope, sku, status=refused.status, error=refused)
    return _back(sku, f"{substitute} removed from the substitutes of {sku}")
