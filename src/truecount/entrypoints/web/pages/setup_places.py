"""Set-up: locations and bins, and inventory types (``/setup/locations``), for admins."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from truecount.domain.accounts import Principal, role_allows
from truecount.domain.commands import AddLocation, EditLocation
from truecount.domain.errors import TruecountError
from truecount.domain.model import LocationKind
from truecount.entrypoints.api.deps import CurrentUser, DbDep, RequireRole, ScopeDep
from truecount.services.catalog import browse, places
from truecount.services.catalog.records import add_inventory_type, add_location

from .. import setup_forms as forms
from ..render import render

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=300)]


@router.get("/setup/locations", response_class=HTMLResponse)
def locations_page(
    request: Request,
    user: CurrentUser,
    db: DbDep,
    scope: ScopeDep,
    saved: Annotated[str, Query(max_length=300)] = "",
    edit: Annotated[str, Query(max_length=64)] = "",
) -> HTMLResponse:
    return _page(request, user, db, scope, {"edit": edit}, saved=saved)


def _page(
    request: Request, user: Principal, db: Any, scope: Any, form: dict[str, Any], *, saved: str = "", status: int = 200
) -> HTMLResponse:
    return render(
        request, "setup/locations.html", user, status=status, saved=saved, form=form, links=forms.SETUP_LINKS,
        locations=browse.list_locations(db, scope), types=browse.list_inventory_types(db, scope),
        kinds=[k.value for k in LocationKind], can_edit=role_allows(user.role, "admin"),
    )  # fmt: skip


@router.post("/setup/locations", dependencies=[RequireRole("admin")])
def create_location(
    request: Request,
    user: CurrentUser,
    db: DbDep,
    scope: ScopeDep,
    code: Text = "",
    name: Text = "",
    kind: Text = "warehouse",
    parent: Text = "",
    saleable: Text = "",
    priority: Text = "",
) -> Response:
    typed = {"code": code, "name": name, "kind": kind, "parent": parent, "saleable": saleable, "priority": priority}
    try:
        cmd = AddLocation(
            code=code.strip(),
            name=name.strip() or code.strip(),
            kind=kind,
            saleable=saleable == "yes",
            parent=parent or None,
            priority=forms.whole(priority, "priority", 100),
        )
        add_location(db, scope, cmd)
    except TruecountError as refused:
        return _page(request, user, db, scope, {"where": "new", "error": str(refused), "error_field": refused.field,
                                                "new": typed}, status=422)  # fmt: skip
    return forms.saved("/setup/locations", f"location {cmd.code} added")


@router.post("/setup/locations/{code}", dependencies=[RequireRole("admin")])
def change_location(
    request: Request,
    user: CurrentUser,
    db: DbDep,
    scope: ScopeDep,
    code: str,
    name: Text = "",
    kind: Text = "warehouse",
    parent: Text = "",
    saleable: Text = "",
    priority: Text = "",
) -> Response:
    try:
        cmd = EditLocation(
            code=code,
            name=name,
            kind=kind,
            saleable=saleable == "yes",
            parent=parent,
            priority=forms.whole(priority, "priority"),
        )
        places.edit_location(db, scope, cmd)
    except TruecountError as refused:
        return _page(request, user, db, scope, {"edit": code, "error": str(refused), "error_field": refused.field},
                     status=422)  # fmt: skip
    return forms.saved("/setup/locations", f"location {code} saved")


@router.post("/setup/types", dependencies=[RequireRole("admin")])
def create_type(
    request: Request, user: CurrentUser, db: DbDep, scope: ScopeDep, code: Text = "", sellable: Text = ""
) -> Response:
    try:
        add_inventory_type(db, scope, code.strip(), sellable == "yes")
    except TruecountError as refused:
        return _page(request, user, db, scope, {"where": "type", "error": str(refused), "error_field": refused.field},
                     status=422)  # fmt: skip
    return forms.saved("/setup/locations", f"inventory type {code.strip()} added")
