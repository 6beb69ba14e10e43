"""One order's page (``/orders/{id}``), a new manual order (``/orders/new``) and the acts on an order.

Every act goes through the same service function as the API and the CLI:
:func:`~truecount.services.orders.place.place_order` (create) and
:func:`~truecount.services.orders.fulfilment.change_order` (fulfil, cancel, return). A refusal
re-renders the page with the reason; success redirects back to the order (so a reload never
repeats the act), and each form carries a random idempotency key so a double submit is one act.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from truecount.domain.accounts import Principal
from truecount.domain.commands import LineChange, OrderLineSpec, PlaceOrder
from truecount.domain.errors import InvalidInput, TruecountError
from truecount.entrypoints.api.deps import CurrentUser, DbDep, ScopeDep, StaffUser
from truecount.services.catalog import browse
from truecount.services.channels.setup import list_channels
from truecount.services.common.scope import Scope, utcnow
from truecount.services.orders.browse import order_story
from truecount.services.orders.fulfilment import ACTS, change_order
from truecount.services.orders.place import place_order

from ..forms import line_quantities, text, whole
from ..render import render

router = APIRouter(include_in_schema=False)

MAX_FORM_LINES = 100
DONE = {"fulfil": "shipped", "cancel": "cancelled", "return": "returned"}


def _new_form(db: Any, scope: Scope) -> dict[str, Any]:
    return {
        "channels": [c.code for c in list_channels(db, scope)],
        "key": secrets.token_urlsafe(12),
        "external_id": f"manual-{utcnow():%Y%m%d-%H%M%S}",
    }


@router.get("/orders/new", response_class=HTMLResponse)
def new_order_page(request: Request, user: CurrentUser, db: DbDep, scope: ScopeDep) -> HTMLResponse:
    return render(request, "order_new.html", user, form=_new_form(db, scope), entered={}, error=None)


@router.post("/orders/new", response_class=HTMLResponse)
async def create_order(request: Request, user: StaffUser, db: DbDep, scope: ScopeDep) -> Response:
    form = await request.form()
    entered: dict[str, Any] = {
        "channel": text(form, "channel"),
        "external_id": text(form, "external_id"),
        "strict": form.get("strict") == "true",
        "lines": list(zip(form.getlist("sku"), form.getlist("quantity"), strict=False))[:MAX_FORM_LINES],
    }
    try:
        lines = [
            OrderLineSpec(str(sku).strip(), whole(str(q), f"lines[{i}].quantity"))
            for i, (sku, q) in enumerate(entered["lines"])
            if str(sku).strip()
        ]
        if not lines:
            raise InvalidInput("add at least one line (search a SKU or scan it)", field="lines")
        cmd = PlaceOrder(text(form, "channel", required=True), text(form, "external_id", required=True), lines)
        cmd = PlaceOrder(cmd.channel, cmd.external_id, cmd.lines, entered["strict"])
        order = place_order(db, scope, cmd, f"web-order:{text(form, 'key')}" if text(form, "key") else None)
    except TruecountError as refused:
        page = render(
            request, "order_new.html", user, refused.status, form=_new_form(db, scope), entered=entered, error=refused
        )
        return page
    note = "recorded (it was already recorded)" if order.replayed else "recorded"
    return RedirectResponse(f"/orders/{order.id}?{urlencode({'done': note})}", status_code=303)


def _order_page(
    request: Request, user: Principal, db: Any, scope: Scope, order_id: int, status: int = 200, **extra: Any
) -> HTMLResponse:
    order = order_story(db, scope, order_id)
    places = [loc for loc in browse.list_locations(db, scope) if loc.kind != "dropship"]
    # returns go back, by default, to where the order was booked (shipped from)
    booked_at = [b.location for line in order.lines for b in line.bookings]
    return render(
        request,
        "order.html",
        user,
        status,
        order=order,
        locations=places,
        return_to=booked_at[0] if booked_at else None,
        types=browse.list_inventory_types(db, scope),
        key=secrets.token_urlsafe(12),
        **extra,
    )


@router.get("/orders/{order_id:int}", response_class=HTMLResponse)
def order_page(
    request: Request, order_id: int, user: CurrentUser, db: DbDep, scope: ScopeDep, done: str = ""
) -> HTMLResponse:
    return _order_page(request, user, db, scope, order_id, done=done[:200], error=None, act=None)


@router.post("/orders/{order_id:int}/{act}", response_class=HTMLResponse)
async def act_on_order(
    request: Request, order_id: int, act: str, user: StaffUser, db: DbDep, scope: ScopeDep
) -> Response:
    form = await request.form()
    try:
        if act not in ACTS:
            raise InvalidInput(f"must be one of {', '.join(ACTS)}", field="act")
        skus = {line.line: line.sku for line in order_story(db, scope, order_id).lines}
        everything = form.get("all") == "true"
        quantities = {} if everything else line_quantities(form)
        unknown = sorted(set(quantities) - set(skus))
        if unknown:
            raise InvalidInput(f"order {order_id} has no line {unknown[0]}", field=f"qty-{unknown[0]}")
        if not everything and not quantities:
            raise InvalidInput("enter a quantity on at least one line", field="lines")
        where = text(form, "location") or None
        itype = text(form, "inventory_type") or None
        changes = None
        if not everything:
            changes = [LineChange(skus[line], q, where, itype) for line, q in sorted(quantities.items())]
        key = text(form, "key")
        change_order(db, scope, act, order_id, changes, f"web-{act}:{order_id}:{key}" if key else None)
    except TruecountError as refused:
        return _order_page(request, user, db, scope, order_id, refused.status, done="", error=refused, act=act)
    return RedirectResponse(f"/orders/{order_id}?{urlencode({'done': DONE[act]})}", status_code=303)
