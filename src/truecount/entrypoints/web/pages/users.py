"""The users page (``/users``, admin only): every user of the merchant with their role and state, and
forms to add a user, disable or enable one, change a role and set a password — through the same
service functions as the API and ``truecount users …``. A refusal comes back on the page, named."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from truecount.domain.accounts import Principal
from truecount.domain.errors import TruecountError
from truecount.entrypoints.api.deps import AdminUser, DbDep, ScopeDep
from truecount.services.accounts import lifecycle
from truecount.services.accounts import users as accounts
from truecount.services.common.scope import Scope

from ..render import render

router = APIRouter(include_in_schema=False)

FormText = Annotated[str, Form(max_length=1000)]
ROLES = ["viewer", "staff", "admin"]


def _page(request: Request, user: Principal, db: Any, scope: Scope, status: int = 200, **extra: Any) -> HTMLResponse:
    rows = accounts.list_users(db, scope)
    return render(request, "users.html", user, status, users=rows, roles=ROLES, **extra)


@router.get("/users", response_class=HTMLResponse)
def users_page(
    request: Request, user: AdminUser, db: DbDep, scope: ScopeDep, done: Annotated[str, Query(max_length=300)] = ""
) -> Response:
    return _page(request, user, db, scope, done=done)


def _act(request: Request, user: Principal, db: Any, scope: Scope, act: Any, done: str) -> Response:
    try:
        act()
    except TruecountError as refused:
        return _page(request, user, db, scope, 422, error=str(refused))
    return RedirectResponse(f"/users?{urlencode({'done': done})}", status_code=303)


@router.post("/users")
def add(
    request: Request,
    user: AdminUser,
    db: DbDep,
    scope: ScopeDep,
    name: FormText = "",
    role: FormText = "",
    password: FormText = "",
) -> Response:
    act = lambda: accounts.add_user(db, scope, name.strip(), role, password)  # noqa: E731
    return _act(request, user, db, scope, act, f"user {name.strip()} added ({role})")


@router.post("/users/{name}/disable")
def disable(request: Request, name: str, user: AdminUser, db: DbDep, scope: ScopeDep) -> Response:
    act = lambda: lifecycle.disable_user(db, scope, name)  # noqa: E731
    return _act(request, user, db, scope, act, f"{name} disabled: their sessions and tokens stopped working")


@router.post("/users/{name}/enable")
def enable(request: Request, name: str, user: AdminUser, db: DbDep, scope: ScopeDep) -> Response:
    return _act(request, user, db, scope, lambda: lifecycle.enable_user(db, scope, name), f"{name} enabled")


@router.post("/users/{name}/role")
def role(request: Request, name: str, user: AdminUser, db: DbDep, scope: ScopeDep, role: FormText = "") -> Response:
    act = lambda: lifecycle.set_role(db, scope, name, role)  # noqa: E731
    return _act(request, user, db, scope, act, f"{name} is now {role}")


@router.post("/users/{name}/password")
def password(
    request: Request, name: str, user: AdminUser, db: DbDep, scope: ScopeDep, password: FormText = ""
) -> Response:
    act = lambda: lifecycle.set_password(db, scope, name, password)  # noqa: E731
    return _act(request, user, db, scope, act, f"password of {name} set; their sessions ended")
