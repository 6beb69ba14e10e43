"""The trackers page (``/trackers``): stock health, lowest first, and the form to add or update a tracker.

The merchant picker lists the merchants the signed-in user may act for (their own, and
those that granted them access: see ``services/merchant_access.py``). The form's script
fetches ``/trackers/options`` for the picked merchant (products matching a search, its
inventory types) and posts the form to ``/trackers`` (the session's CSRF token in a
hidden field). "Save and add another" comes back with the form open for the same merchant.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from truecount.adapters.db.engine import Database
from truecount.domain.accounts import Principal, role_allows
from truecount.domain.commands import SetTracker
from truecount.domain.errors import InvalidInput, TruecountError
from truecount.domain.health import PARAMS
from truecount.entrypoints.api.deps import CurrentUser, DbDep, RequireRole, SettingsDep
from truecount.services.accounts import merchant_access
from truecount.services.catalog import browse
from truecount.services.stock.levels import search_variants
from truecount.services.trackers import watch as trackers

from ..render import render

router = APIRouter(include_in_schema=False)

PARAM_NAMES = ("below", "expiry_days", "lookback_days", "coverage_days", "quantity")
MECHANISMS = [
    ("stock_quantity", "Stock quantity — alert below a safety stock"),
    ("turnover_days", "Turnover days — stock to cover N days of sales"),
    ("stalled_days", "Stalled days — too few units shipped lately"),
]
FormText = Annotated[str, Form(max_length=200)]


@router.get("/trackers", response_class=HTMLResponse)
def trackers_page(
    request: Request,
    user: CurrentUser,
    db: DbDep,
    settings: SettingsDep,
    merchant: Annotated[str, Query(max_length=64)] = "",
    add: Annotated[bool, Query()] = False,
    saved: Annotated[str, Query(max_length=300)] = "",
    edit: Annotated[str, Query(max_length=128)] = "",
    edit_type: Annotated[str, Query(max_length=128)] = "",
    edit_mechanism: Annotated[str, Query(max_length=32)] = "",
) -> HTMLResponse:
    """The list; ``add`` opens the form; ``edit``/``edit_type``/``edit_mechanism`` open it filled with that tracker."""
    form: dict[str, Any] = {"open": add}
    if edit:
        form |= {"open": True, "edit": (edit, edit_type or "good", edit_mechanism)}
    return _page(request, user, db, settings.max_quantity, merchant, form, saved=saved)


@router.get("/trackers/list", response_class=HTMLResponse)
def tracker_list(
    request: Request,
    user: CurrentUser,
    db: DbDep,
    settings: SettingsDep,
    merchant: Annotated[str, Query(max_length=64)] = "",
) -> HTMLResponse:
    """The list alone (lowest health first) for the picked merchant: the form swaps it in when the merchant changes."""
    scope = merchant_access.scope_for(db, user, merchant, settings.max_quantity)
    rows = trackers.list_trackers(db, scope)
    return render(request, "_trackers_list.html", user, rows=rows, merchant_code=merchant, can_edit=_can_edit(user))


@router.get("/trackers/options")
def options(
    user: CurrentUser,
    db: DbDep,
    settings: SettingsDep,
    merchant: Annotated[str, Query(max_length=64)] = "",
    q: Annotated[str, Query(max_length=200)] = "",
) -> dict[str, Any]:
    """Products matching ``q`` (SKU, name or barcode) and the inventory types of the picked merchant."""
    scope = merchant_access.scope_for(db, user, merchant, settings.max_quantity)
    return {
        "variants": [{"sku": v.sku, "name": v.name} for v in search_variants(db, scope, q.strip(), limit=20)],
        "types": [t.code for t in browse.list_inventory_types(db, scope)],
    }


@router.post("/trackers", dependencies=[RequireRole("staff")])
def save(
    request: Request,
    user: CurrentUser,
    db: DbDep,
    settings: SettingsDep,
    merchant: FormText = "",
    sku: FormText = "",
    inventory_type: FormText = "",
    mechanism: FormText = "",
    below: FormText = "",
    expiry_days: FormText = "",
    lookback_days: FormText = "",
    coverage_days: FormText = "",
    quantity: FormText = "",
    action: FormText = "save",
) -> Response:
    raw = dict(zip(PARAM_NAMES, (below, expiry_days, lookback_days, coverage_days, quantity), strict=True))
    values = {"merchant": merchant, "sku": sku, "inventory_type": inventory_type, "mechanism": mechanism, **raw}
    try:
        scope = merchant_access.scope_for(db, user, merchant, settings.max_quantity)
        if not sku:
            raise InvalidInput("choose a product", field="sku")
        if not inventory_type:
            raise InvalidInput("choose an inventory type", field="inventory_type")
        params = {name: _whole(name, text) for name, text in raw.items() if text.strip()}
        result = trackers.set_tracker(db, scope, SetTracker(sku, inventory_type, mechanism, params))
    except TruecountError as refused:
        form = {**values, "open": True, "error": str(refused), "error_field": refused.field}
        return _page(request, user, db, settings.max_quantity, merchant, form, status=422)
    verb = "created" if result.created else "updated"
    named = f"{_mechanism_name(result.mechanism)} tracker for {result.sku} ({result.inventory_type})"
    query = {"merchant": merchant, "saved": f"{named} {verb}"}
    if action == "save_add":
        query["add"] = "1"
    return RedirectResponse(f"/trackers?{urlencode(query)}", status_code=303)


@router.post("/trackers/delete", dependencies=[RequireRole("staff")])
def delete(
    user: CurrentUser,
    db: DbDep,
    settings: SettingsDep,
    merchant: FormText = "",
    sku: FormText = "",
    inventory_type: FormText = "",
    mechanism: FormText = "",
) -> Response:
    scope = merchant_access.scope_for(db, user, merchant, settings.max_quantity)
    trackers.delete_tracker(db, scope, sku, inventory_type, mechanism)
    query = {
        "merchant": merchant,
        "saved": f"{_mechanism_name(mechanism)} tracker for {sku} ({inventory_type}) deleted",
    }
    return RedirectResponse(f"/trackers?{urlencode(query)}", status_code=303)


def _mechanism_name(code: str) -> str:
    """``stock_quantity`` → ``Stock quantity``: what the flash message says instead of the code."""
    return next((label.split(" — ")[0] for value, label in MECHANISMS if value == code), code)


def _can_edit(user: Principal) -> bool:
    return role_allows(user.role, "staff")


def _whole(name: str, text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise InvalidInput(f"must be a whole number, not {text.strip()!r}", field=f"params.{name}") from None


def _page(
    request: Request,
    user: Principal,
    db: Database,
    max_quantity: int,
    merchant: str,
    form: dict[str, Any],
    *,
    saved: str = "",
    status: int = 200,
) -> HTMLResponse:
    choices = merchant_access.merchants_for(db, user)
    scope = merchant_access.scope_for(db, user, merchant, max_quantity)
    current = next(c for c in choices if c.id == scope.merchant_id)
    rows = trackers.list_trackers(db, scope)
    if "edit" in form:
        key = form.pop("edit")
        for row in rows:
            if (row.sku, row.inventory_type, row.mechanism) == key:
                params = {name: str(value) for name, value in row.params.items()}
                form |= {"sku": row.sku, "inventory_type": row.inventory_type, "mechanism": row.mechanism}
                form |= params
    form.setdefault("mechanism", "stock_quantity")
    return render(
        request,
        "trackers.html",
        user,
        status=status,
        rows=rows,
        merchant_code=current.code,
        can_edit=_can_edit(user),
        merchants=choices,
        merchant=current,
        types=[t.code for t in browse.list_inventory_types(db, scope)],
        mechanisms=MECHANISMS,
        fields={m.value: [*req, *opt] for m, (req, opt) in PARAMS.items()},
        form=form,
        saved=saved,
    )
