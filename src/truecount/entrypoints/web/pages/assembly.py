"""Kits and work orders in the browser: ``/boms`` (every kit's bill; set one — components, mode,
build to order — admins), ``/work-orders`` (list, create) and ``/work-orders/{id}`` (release,
complete with quantity, scrap and reason, cancel). The same service functions as
``/api/v1/boms``, ``/api/v1/work-orders`` and the ``bom`` and ``workorder`` commands."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from truecount.domain.accounts import Principal
from truecount.domain.assembly import MODES, Complete, CreateWorkOrder, SetBill, WorkOrderStatus, parse_parts
from truecount.domain.errors import NotFound, TruecountError
from truecount.entrypoints.api.deps import AdminUser, CurrentUser, DbDep, ScopeDep, StaffUser
from truecount.services.assembly import bills, completion, work_orders
from truecount.services.catalog import browse
from truecount.services.common.scope import Scope

from ..forms import text, whole
from ..render import render

router = APIRouter(include_in_schema=False)


def _boms(
    request: Request, user: Principal, db: Any, scope: Scope, status: int = 200, error: Any = None, **form: str
) -> HTMLResponse:
    found = bills.list_bills(db, scope)
    editing = next((b for b in found if b.sku == form.get("sku")), None)
    if editing is not None and "components" not in form:  # "edit" on a kit: its bill, as it stands
        form = {
            "sku": editing.sku,
            "components": ", ".join(f"{c.sku}:{c.quantity}" for c in editing.components),
            "mode": editing.mode,
            "build_to_order_at": editing.build_to_order_at or "",
        }
    return render(
        request,
        "boms.html",
        user,
        status,
        bills=found,
        modes=MODES,
        locations=browse.list_locations(db, scope),
        form=form,
        key=secrets.token_urlsafe(12),
        error=error,
        done=form.get("done", ""),
    )


@router.get("/boms", response_class=HTMLResponse)
def boms_page(
    request: Request, user: CurrentUser, db: DbDep, scope: ScopeDep, sku: str = "", done: str = ""
) -> HTMLResponse:
    return _boms(request, user, db, scope, sku=sku[:128], done=done[:300])


@router.post("/boms", response_class=HTMLResponse)
async def set_bom(request: Request, user: AdminUser, db: DbDep, scope: ScopeDep) -> Response:
    form = await request.form()
    typed = {n: text(form, n) for n in ("sku", "components", "mode", "build_to_order_at")}
    try:
        parts = parse_parts(typed["components"])
        cmd = SetBill(typed["sku"], parts, typed["mode"], typed["build_to_order_at"] or None)
        key = text(form, "key")
        bill = bills.set_bill(db, scope, cmd, f"web-bom:{key}" if key else None)
    except TruecountError as refused:
        return _boms(request, user, db, scope, refused.status, refused, **typed)
    return RedirectResponse(f"/boms?{urlencode({'done': f'bill of {bill.sku} saved'})}", status_code=303)


@router.get("/work-orders", response_class=HTMLResponse)
def work_orders_page(request: Request, user: CurrentUser, db: DbDep, scope: ScopeDep, status: str = "") -> HTMLResponse:
    return _work_orders(request, user, db, scope, status=status if status in {s.value for s in WorkOrderStatus} else "")


def _work_orders(
    request: Request, user: Principal, db: Any, scope: Scope, code: int = 200, error: Any = None, **form: str
) -> HTMLResponse:
    status = form.get("status") or None
    return render(
        request,
        "work_orders.html",
        user,
        code,
        work_orders=work_orders.list_work_orders(db, scope, status),
        kits=[b for b in bills.list_bills(db, scope) if b.mode != "virtual"],
        locations=browse.list_locations(db, scope),
        statuses=[s.value for s in WorkOrderStatus],
        form=form,
        key=secrets.token_urlsafe(12),
        error=error,
        done="",
    )


@router.post("/work-orders", response_class=HTMLResponse)
async def create(request: Request, user: StaffUser, db: DbDep, scope: ScopeDep) -> Response:
    form = await request.form()
    typed = {n: text(form, n) for n in ("sku", "quantity", "location")}
    try:
        cmd = CreateWorkOrder(typed["sku"], whole(typed["quantity"], "quantity"), typed["location"])
        key = text(form, "key")
        made = work_orders.create_work_order(db, scope, cmd, f"web-workorder:{key}" if key else None)
    except TruecountError as refused:
        return _work_orders(request, user, db, scope, refused.status, refused, **typed)
    return RedirectResponse(f"/work-orders/{made.id}", status_code=303)


def _one(
    request: Request, user: Principal, db: Any, scope: Scope, wid: int, code: int = 200, **extra: Any
) -> HTMLResponse:
    wo = work_orders.show_work_order(db, scope, wid)
    context: dict[str, Any] = {"error": None, "done": "", "form": {}, **extra}
    return render(request, "work_order.html", user, code, wo=wo, key=secrets.token_urlsafe(12), **context)


@router.get("/work-orders/{wid:int}", response_class=HTMLResponse)
def work_order_page(
    request: Request, wid: int, user: CurrentUser, db: DbDep, scope: ScopeDep, done: str = ""
) -> HTMLResponse:
    return _one(request, user, db, scope, wid, done=done[:300])


@router.post("/work-orders/{wid:int}/{act}", response_class=HTMLResponse)
async def act(request: Request, wid: int, act: str, user: StaffUser, db: DbDep, scope: ScopeDep) -> Response:
    form = await request.form()
    typed = {n: text(form, n) for n in ("quantity", "scrap", "reason")}
    key = text(form, "key")
    try:
        if act == "release":
            work_orders.release_work_order(db, scope, wid, f"web-release:{wid}:{key}" if key else None)
            said = "released: the components are booked"
        elif act == "complete":
            quantity = whole(typed["quantity"] or "0", "quantity")
            scrap = whole(typed["scrap"] or "0", "scrap")
            cmd = Complete(wid, quantity, scrap, typed["reason"] or None)
            done = completion.complete_work_order(db, scope, cmd, f"web-complete:{wid}:{key}" if key else None)
            said = f"{quantity} built, {scrap} scrapped: {done.status.replace('_', ' ')}"
        elif act == "cancel":
            work_orders.cancel_work_order(db, scope, wid, f"web-cancel:{wid}:{key}" if key else None)
            said = "cancelled: what it held is released"
        else:
            raise NotFound("must be one of release, complete, cancel", field="act")
    except TruecountError as refused:
        return _one(request, user, db, scope, wid, refused.status, error=refused, form=typed)
    return RedirectResponse(f"/work-orders/{wid}?{urlencode({'done': said})}", status_code=303)
