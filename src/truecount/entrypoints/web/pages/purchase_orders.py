"""Drop-ship purchase orders in the browser (``/purchase-orders``): the list (by supplier and state)
and one purchase order with its lines, its PDF and CSV, its shipments, send, acknowledge and cancel
buttons, and (admins) a form recording a supplier's shipment.

The same service functions as ``/api/v1/purchase-orders`` and ``truecount po``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from truecount.domain import purchase_orders as rules
from truecount.domain.accounts import Principal
from truecount.domain.errors import InvalidInput, TruecountError
from truecount.domain.shipments import ShipLine, ShipPurchaseOrder
from truecount.entrypoints.api.deps import AdminUser, CurrentUser, DbDep, ScopeDep, SettingsDep, StaffUser
from truecount.services.common.scope import Scope
from truecount.services.purchasing import records, sending
from truecount.services.shipping.ship import ship_purchase_order
from truecount.services.suppliers.records import list_suppliers
from truecount.settings import Settings

from ...mailer import mailer_from
from ..forms import text, whole
from ..render import render

router = APIRouter(include_in_schema=False)


@router.get("/purchase-orders", response_class=HTMLResponse)
def purchase_orders_page(
    request: Request, user: CurrentUser, db: DbDep, scope: ScopeDep, supplier: str = "", state: str = ""
) -> HTMLResponse:
    error: TruecountError | None = None
    try:
        found = records.list_purchase_orders(db, scope, supplier=supplier or None, state=state or None, limit=100)
    except TruecountError as refused:
        found, error = [], refused
    return render(
        request, "purchase_orders.html", user, 200 if error is None else error.status, orders=found,
        suppliers=list_suppliers(db, scope), states=rules.STATES, supplier=supplier, state=state, error=error,
        done="",
    )  # fmt: skip


def _one(
    request: Request, user: Principal, db: Any, scope: Scope, po_id: int, status: int = 200, **extra: Any
) -> HTMLResponse:
    po = records.get_purchase_order(db, scope, po_id)
    open_units: dict[str, int] = {}
    for line in po.lines:
        if line.open > 0:
            open_units[line.sku] = open_units.get(line.sku, 0) + line.open
    context: dict[str, Any] = {
        "error": None,
        "done": "",
        "typed": {},
        "typed_qty": {},
        "open_units": open_units,
        **extra,
    }
    return render(request, "purchase_order.html", user, status, po=po, **context)


@router.get("/purchase-orders/{po_id:int}", response_class=HTMLResponse)
def purchase_order_page(
    request: Request, po_id: int, user: CurrentUser, db: DbDep, scope: ScopeDep, done: str = ""
) -> HTMLResponse:
    return _one(request, user, db, scope, po_id, done=done[:300])


@router.post("/purchase-orders/{po_id:int}/ship", response_class=HTMLResponse)
async def ship(request: Request, po_id: int, user: AdminUser, db: DbDep, scope: ScopeDep) -> Response:
    form = await request.form()  # the CSRF token is checked by the middleware
    typed = {name: str(form.get(name) or "") for name in ("carrier", "tracking", "tracking_url")}
    typed_qty = {str(k): str(v) for k, v in zip(form.getlist("sku"), form.getlist("quantity"), strict=False)}
    try:
        lines: list[ShipLine] = []
        for sku, quantity in zip(form.getlist("sku"), form.getlist("quantity"), strict=False):
            if isinstance(quantity, str) and quantity.strip() and isinstance(sku, str):
                units = whole(quantity, f"lines[{len(lines)}].quantity")
                if units:
                    lines.append(ShipLine(sku, units))
        command = ShipPurchaseOrder(
            text(form, "carrier"), text(form, "tracking"), text(form, "tracking_url") or None, tuple(lines)
        )
        done = ship_purchase_order(db, scope, po_id, command, "web")
    except TruecountError as refused:
        return _one(request, user, db, scope, po_id, refused.status, error=refused, typed=typed, typed_qty=typed_qty)
    said = f"shipment {done.shipment.carrier} {done.shipment.tracking} " + (
        "recorded" if done.created else "was already recorded"
    )
    return RedirectResponse(f"/purchase-orders/{po_id}?{urlencode({'done': said})}", status_code=303)


@router.post("/purchase-orders/{po_id:int}/{act}", response_class=HTMLResponse)
async def act(
    request: Request, po_id: int, act: str, user: StaffUser, db: DbDep, scope: ScopeDep, settings: SettingsDep
) -> Response:
    await request.form()  # the CSRF token is checked by the middleware
    try:
        said = _do(db, scope, settings, po_id, act)
    except TruecountError as refused:
        return _one(request, user, db, scope, po_id, refused.status, error=refused)
    return RedirectResponse(f"/purchase-orders/{po_id}?{urlencode({'done': said})}", status_code=303)


def _do(db: Any, scope: Scope, settings: Settings, po_id: int, act: str) -> str:
    if act == "send":
        po = sending.send_purchase_order(db, scope, po_id, mailer_from(settings), settings.po_retry_s)
        return f"sent to {po.email}"
    if act == "acknowledge":
        records.acknowledge(db, scope, po_id)
        return "acknowledged by the supplier"
    if act == "cancel":
        po = records.cancel(db, scope, po_id)
        return "cancelled: the supplier will be told" if po.notice else "cancelled"
    raise InvalidInput("must be one of send, acknowledge, cancel", field="act")
