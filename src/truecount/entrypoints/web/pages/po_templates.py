"""The mail templates page (``/purchase-orders/templates``): the four texts suppliers receive about a
purchase order (``send``, ``amend``, ``cancel``, ``follow-up``) with the placeholders each may use; admins
replace one (an unknown placeholder is refused naming it, what was typed kept, nothing saved) or reset it
to the built-in text — the same service as ``po template set`` and ``PUT …/purchase-orders/templates``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from truecount.domain.accounts import Principal, role_allows
from truecount.domain.errors import TruecountError
from truecount.domain.mail_templates import MAX_CHARS
from truecount.entrypoints.api.deps import CurrentUser, DbDep, RequireRole, ScopeDep
from truecount.services.purchasing import templates

from .. import setup_forms
from ..render import render

router = APIRouter(include_in_schema=False)


def _page(
    request: Request, user: Principal, db: Any, scope: Any, *, form: dict[str, Any] | None = None, saved: str = "",
    status: int = 200,
) -> HTMLResponse:  # fmt: skip
    form = form or {}
    shown = templates.list_templates(db, scope)
    elsewhere = form.get("error") if form.get("name") not in {t.name for t in shown} else None  # no form to show it
    return render(
        request, "po_templates.html", user, status=status, templates=shown, form=form, done=saved,
        error=elsewhere, can_edit=role_allows(user.role, "admin"),
    )  # fmt: skip


@router.get("/purchase-orders/templates", response_class=HTMLResponse)
def templates_page(
    request: Request, user: CurrentUser, db: DbDep, scope: ScopeDep, saved: Annotated[str, Query(max_length=300)] = ""
) -> HTMLResponse:
    return _page(request, user, db, scope, saved=saved)


@router.post("/purchase-orders/templates/{name}", dependencies=[RequireRole("admin")])
def save_template(
    name: str,
    request: Request,
    user: CurrentUser,
    db: DbDep,
    scope: ScopeDep,
    body: Annotated[str, Form(max_length=MAX_CHARS + 1)] = "",
    reset: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    try:
        if reset:
            templates.reset_template(db, scope, name)
        else:
            templates.set_template(db, scope, name, body.replace("\r\n", "\n"))
    except TruecountError as refused:
        form = {"name": name, "body": body, "error": f"{refused.field}: {refused.message}"}
        return _page(request, user, db, scope, form=form, status=refused.status)
    what = "back to the built-in text" if reset else "saved"
    return setup_forms.saved("/purchase-orders/templates", f"template {name}: {what}")
