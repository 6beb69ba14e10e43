"""One listing's page (``/channels/{code}/listing?ref=REF``): its figure and price with every step of
their explanation; for admins, its own quantity rule edited one step at a time (add a step at a place,
remove one, move one up or down, or go back to the channel's rule), its units per sale and its price
rule. Every change goes through the one write path (``listing_terms.change_listing``, as ``listing rule``
and ``PATCH …/listings/{ref}``); a refusal names the field (``steps[2].value``) and keeps what was typed."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from truecount.domain.accounts import Principal, role_allows
from truecount.domain.commands import ListingChange
from truecount.domain.errors import Conflict, InvalidInput, TruecountError
from truecount.domain.listing_steps import MAX_STEPS, STEP_OPS
from truecount.domain.offers import describe
from truecount.entrypoints.api.deps import CurrentUser, DbDep, RequireRole, ScopeDep
from truecount.services.catalog import browse
from truecount.services.offers import listing_terms
from truecount.services.offers.listings import ListingRow, list_listings

from .. import setup_forms
from ..render import render

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=2000)]
Ref = Annotated[str, Query(min_length=1, max_length=300)]
STEP_HELP = {
    "percent": "percent of the figure so far, or of a location's stock",
    "base": "what is available at a location",
    "reserve": "minus N, not below 0",
    "cap": "at most N",
    "min": "at least N",
    "zero_below": "0 when fewer than N",
    "round": "rounded down to a multiple of N",
    "fixed": "N, whatever the figure",
    "stop_sell": "0",
}


def _url(code: str, ref: str, saved: str = "") -> str:
    query = {"ref": ref, **({"saved": saved} if saved else {})}
    return f"/channels/{code}/listing?{urlencode(query)}"


def _page(
    request: Request, user: Principal, db: Any, scope: Any, code: str, ref: str, *, form: dict[str, Any] | None = None,
    saved: str = "", status: int = 200,
) -> HTMLResponse:  # fmt: skip
    row = list_listings(db, scope, code, ref)[0]
    return render(
        request, "listing.html", user, status=status, channel=code, l=row, done=saved, form=form or {},
        why=describe(row.explain) if row.explain else "", can_edit=role_allows(user.role, "admin"),
        ops=[(op, STEP_HELP[op]) for op in STEP_OPS], locations=browse.list_locations(db, scope), max_steps=MAX_STEPS,
        shown=steps_key(row.steps),
    )  # fmt: skip


@router.get("/channels/{code}/listing", response_class=HTMLResponse)
def listing_page(
    code: str,
    ref: Ref,
    request: Request,
    user: CurrentUser,
    db: DbDep,
    scope: ScopeDep,
    saved: Annotated[str, Query(max_length=600)] = "",
) -> HTMLResponse:
    return _page(request, user, db, scope, code, ref, saved=saved)


def _new_steps(current: list[str], action: str, index: int, step: dict[str, Any], position: int) -> list[Any]:
    """The steps after one change: ``add`` ``step`` before ``position`` (1-based; past the end: last),
    ``remove``, ``up`` or ``down`` the step at ``index`` (0-based)."""
    steps: list[Any] = list(current)
    if action == "add":
        steps.insert(max(0, min(position - 1, len(steps))), step)
        return steps
    if not 0 <= index < len(steps):
        raise InvalidInput(f"there is no step {index + 1}", field="index")
    if action == "remove":
        del steps[index]
    elif action in ("up", "down"):
        other = index - 1 if action == "up" else index + 1
        if 0 <= other < len(steps):
            steps[index], steps[other] = steps[other], steps[index]
    else:
        raise InvalidInput("must be add, remove, up, down or clear", field="action")
    return steps


def _change(
    request: Request, user: Principal, db: Any, scope: Any, code: str, ref: str, change: ListingChange,
    form: dict[str, Any], done: str,
) -> Response:  # fmt: skip
    try:
        row = listing_terms.change_listing(db, scope, code, ref, change)
    except TruecountError as refused:
        form |= {"error": f"{refused.field}: {refused.message}", "error_field": refused.field}
        return _page(request, user, db, scope, code, ref, form=form, status=422)
    return RedirectResponse(_url(code, ref, f"{done}: offered {row.quantity}" + _priced(row)), status_code=303)


def _priced(row: ListingRow) -> str:
    return f", price {row.price}" if row.price is not None else ""


@router.post("/channels/{code}/listing/steps", dependencies=[RequireRole("admin")])
def change_steps(
    code: str,
    request: Request,
    user: CurrentUser,
    db: DbDep,
    scope: ScopeDep,
    ref: Text = "",
    action: Text = "add",
    index: Text = "0",
    op: Text = "",
    value: Text = "",
    location: Text = "",
    position: Text = "",
    shown: Text = "",
) -> Response:
    """Add, remove or move one step (or ``clear``: back to the channel's rule). ``shown``: the steps the page
    showed (:func:`steps_key`); when another change came first the form is refused (409), nothing written."""
    form: dict[str, Any] = {"where": "steps", "op": op, "value": value, "location": location, "position": position}
    try:
        stored = list_listings(db, scope, code, ref)[0].steps
        if shown and shown != steps_key(stored):
            raise Conflict("the steps changed since this page was shown: look at them again", field="steps")
        current = stored or []
        if action == "clear":
            change, done = ListingChange(clear_steps=True), "back to the channel's rule"
        else:
            step = {"op": op.strip()} | ({"value": value.strip()} if value.strip() else {})
            step |= {"location": location.strip()} if location.strip() else {}
            at = setup_forms.whole(position, "position", len(current) + 1)
            steps = _new_steps(current, action, setup_forms.whole(index, "index", 0), step, at)
            done = {"add": "step added", "remove": "step removed"}.get(action, "step moved")
            change = ListingChange(steps=steps)
    except TruecountError as refused:
        form |= {"error": f"{refused.field}: {refused.message}", "error_field": refused.field}
        return _page(request, user, db, scope, code, ref, form=form, status=refused.status)
    return _change(request, user, db, scope, code, ref, change, form, done)


def steps_key(steps: list[str] | None) -> str:
    """The steps as one text a form carries back: ``none`` for the channel's rule."""
    return "none" if steps is None else "[" + " ".join(steps) + "]"


@router.post("/channels/{code}/listing/units", dependencies=[RequireRole("admin")])
def change_units(
    code: str,
    request: Request,
    user: CurrentUser,
    db: DbDep,
    scope: ScopeDep,
    ref: Text = "",
    units_per_sale: Text = "",
) -> Response:
    form: dict[str, Any] = {"where": "units", "units_per_sale": units_per_sale}
    try:
        units = setup_forms.whole(units_per_sale, "units_per_sale")
    except TruecountError as refused:
        form |= {"error": f"{refused.field}: {refused.message}", "error_field": refused.field}
        return _page(request, user, db, scope, code, ref, form=form, status=422)
    return _change(request, user, db, scope, code, ref, ListingChange(units_per_sale=units), form, "units per sale set")


@router.post("/channels/{code}/listing/price", dependencies=[RequireRole("admin")])
def change_price(
    code: str,
    request: Request,
    user: CurrentUser,
    db: DbDep,
    scope: ScopeDep,
    ref: Text = "",
    price: Text = "",
    clear: Text = "",
) -> Response:
    """Set the price rule from its text (``cost+40% tier=5:+10% floor=24.99``), or clear it."""
    form: dict[str, Any] = {"where": "price", "price": price}
    if clear:
        return _change(request, user, db, scope, code, ref, ListingChange(clear_price=True), form, "price cleared")
    if not price.strip():
        refused = InvalidInput("give a price rule (fixed=19.99 or cost+40%, tier=5:+10%, floor=24.99)", field="price")
        form |= {"error": f"{refused.field}: {refused.message}", "error_field": refused.field}
        return _page(request, user, db, scope, code, ref, form=form, status=422)
    change = ListingChange(price=price.split())
    return _change(request, user, db, scope, code, ref, change, form, "price rule set")
