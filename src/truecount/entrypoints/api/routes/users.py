"""``/api/v1/users``: the merchant's users and their lifecycle (admin only): list, add, disable,
enable, change role, set a password. The same service functions as ``truecount users …`` and the
users page."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import Field

from truecount.services.accounts import lifecycle
from truecount.services.accounts import users as accounts

from ..deps import DbDep, PageDep, RequireRole, ScopeDep, paginate
from ..schemas import Input, Output
from . import API_PREFIX

router = APIRouter(prefix=API_PREFIX, tags=["accounts"], dependencies=[RequireRole("admin")])

RoleName = Literal["viewer", "staff", "admin"]
UserName = Annotated[str, Path(min_length=1, max_length=100, description="The user's name.")]
Password = Annotated[str, Field(min_length=accounts.MIN_PASSWORD, max_length=accounts.MAX_PASSWORD)]


class UserPublic(Output):
    name: str
    role: str
    active: bool = Field(description="False: disabled — the user's tokens and sessions are refused.")


class UserCreate(Input):
    name: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^\S+$")]
    role: RoleName
    password: Password


class RoleChange(Input):
    role: RoleName


class PasswordChange(Input):
    password: Password


@router.get("/users", response_model=list[UserPublic], summary="The merchant's users (admin)")
def get_users(request: Request, response: Response, db: DbDep, scope: ScopeDep, page: PageDep) -> list[UserPublic]:
    rows = [UserPublic.model_validate(r) for r in accounts.list_users(db, scope)]
    return paginate(request, response, page, rows)


@router.post("/users", status_code=201, response_model=UserPublic, summary="Add a user (admin)")
async def create_user(body: UserCreate, db: DbDep, scope: ScopeDep) -> UserPublic:
    user = await run_in_threadpool(accounts.add_user, db, scope, body.name, body.role, body.password)
    return UserPublic(name=user.name, role=user.role, active=True)


@router.post(
    "/users/{name}/disable", response_model=UserPublic, summary="Disable a user: tokens and sessions stop at once"
)
def disable_user(name: UserName, db: DbDep, scope: ScopeDep) -> UserPublic:
    return UserPublic.model_validate(lifecycle.disable_user(db, scope, name))


@router.post("/users/{name}/enable", response_model=UserPublic, summary="Enable a disabled user")
def enable_user(name: UserName, db: DbDep, scope: ScopeDep) -> UserPublic:
    return UserPublic.model_validate(lifecycle.enable_user(db, scope, name))


@router.put("/users/{name}/role", response_model=UserPublic, summary="Change a user's role")
def change_role(name: UserName, body: RoleChange, db: DbDep, scope: ScopeDep) -> UserPublic:
    return UserPublic.model_validate(lifecycle.set_role(db, scope, name, body.role))


@router.put("/users/{name}/password", response_model=UserPublic, summary="Set a user's password (ends their sessions)")
def change_password(name: UserName, body: PasswordChange, db: DbDep, scope: ScopeDep) -> UserPublic:
    return UserPublic.model_validate(lifecycle.set_password(db, scope, name, body.password))
