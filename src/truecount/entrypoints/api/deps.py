"""Dependencies every route uses, as ``Annotated`` aliases (see docs/api.md).

- ``DbDep`` — the process's :class:`Database`; ``SettingsDep`` — its settings.
- ``CurrentUser`` — the caller (bearer token or signed-in session), else 401.
- ``ScopeDep`` — the caller's :class:`Scope`: their merchant, recorded as ``user:NAME``.
- ``RequireRole("staff")`` — a dependency refusing (403) callers below that role;
  ``StaffUser`` / ``AdminUser`` are the same as annotated aliases.
- ``IdempotencyKey`` — the optional ``Idempotency-Key`` header of a write.
- ``PageDep`` — ``limit`` / ``offset`` query parameters with caps; see :func:`paginate`.

Dependencies that do no I/O are ``async def``: FastAPI runs them on the event loop instead of
hopping to the thread pool for each (a measurable cost per request on a small machine).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from truecount.adapters.db.engine import Database
from truecount.domain.accounts import Principal, role_allows
from truecount.domain.errors import Forbidden, InvalidInput
from truecount.services.common.scope import Scope
from truecount.settings import Settings

from .auth import authenticate, session_value
from .state import Truecount

T = TypeVar("T")

MAX_PAGE = 500
DEFAULT_PAGE = 50

_bearer = HTTPBearer(auto_error=False, description="An API token from `truecount tokens create --user NAME`.")


async def get_truecount(request: Request) -> Truecount:
    tc: Truecount = request.app.state.truecount
    return tc


TruecountDep = Annotated[Truecount, Depends(get_truecount)]


async def get_db(tc: TruecountDep) -> Database:
    return tc.db


async def get_settings(tc: TruecountDep) -> Settings:
    return tc.settings


DbDep = Annotated[Database, Depends(get_db)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def csrf_token(tc: Truecount, session: str) -> str:
    """The CSRF token bound to a session: forms carry it in a hidden ``csrf_token`` field, scripts in
    the ``X-CSRF-Token`` header."""
    return hmac.new(tc.settings.secret_key.encode(), f"csrf:{session}".encode(), hashlib.sha256).hexdigest()


async def _supplied_csrf(request: Request) -> str:
    supplied = request.headers.get("x-csrf-token")
    if supplied is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get("csrf_token")
        supplied = value if isinstance(value, str) else None
    return supplied or ""


async def current_user(
    request: Request,
    tc: TruecountDep,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller: ``Authorization: Bearer TOKEN`` first, else the session cookie, else 401.

    :class:`~.guard.RequestGuard` has already authenticated the caller (before the body was read) and
    left it in ``request.state.principal``. A write made with the session cookie (a page's form or
    script) must carry the session's CSRF token, else 403: another site cannot make a signed-in
    browser write.
    """
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None:
        principal = await authenticate(tc, request)
    if principal.via == "session" and request.method not in SAFE_METHODS:
        value = session_value(tc, request) or ""
        if not hmac.compare_digest(await _supplied_csrf(request), csrf_token(tc, value)):
            raise Forbidden("the form has expired or came from another site: reload the page", field="csrf_token")
    return principal


CurrentUser = Annotated[Principal, Depends(current_user)]


async def get_scope(user: CurrentUser, settings: SettingsDep) -> Scope:
    return Scope(user.merchant_id, user.actor, settings.max_quantity)


ScopeDep = Annotated[Scope, Depends(get_scope)]


#: Each role check made by :func:`RequireRole`, with the role it needs: how
#: :mod:`.roles` reads from the routes which role every operation needs.
ROLE_CHECKS: dict[Any, str] = {}


def RequireRole(role: str) -> Any:  # reads as a type in signatures
    """``dependencies=[RequireRole("staff")]`` or ``user: Annotated[Principal, RequireRole("admin")]``."""

    async def check(user: CurrentUser) -> Principal:
        if not role_allows(user.role, role):
            raise Forbidden(f"needs the {role} role; {user.name} is {user.role}", field="role")
        return user

    ROLE_CHECKS[check] = role
    return Depends(check)


StaffUser = Annotated[Principal, RequireRole("staff")]
AdminUser = Annotated[Principal, RequireRole("admin")]

IDEMPOTENCY_KEY_MAX = 300
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=IDEMPOTENCY_KEY_MAX,
        description="Makes the write safe to retry: a repeat returns the first result; "
        "the same key with a different body is refused (409 idempotency_conflict).",
    ),
]


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int


async def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"Rows per page (at most {MAX_PAGE}).")] = DEFAULT_PAGE,
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="Rows to skip.")] = 0,
) -> Page:
    return Page(limit, offset)


PageDep = Annotated[Page, Depends(page_params)]


def paginate(request: Request, response: Response, page: Page, rows: list[T], *, paged: bool = False) -> list[T]:
    """The page of ``rows``, with ``Link: <…?offset=N>; rel="next"`` when the page is full.

    Pass the whole list, or (``paged=True``) what a service already fetched with
    ``limit=page.limit, offset=page.offset`` — the cheap way for big tables.
    """
    if not paged:
        rows = rows[page.offset : page.offset + page.limit]
    response.headers["X-Limit"] = str(page.limit)
    response.headers["X-Offset"] = str(page.offset)
    if len(rows) == page.limit:
        url = request.url.include_query_params(offset=page.offset + page.limit, limit=page.limit)
        response.headers["Link"] = f'<{url.path}?{url.query}>; rel="next"'
    return rows


def _query_names(dependant: Any) -> set[str]:
    """The query parameters an operation declares (its own and its dependencies')."""
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


_DECLARED: dict[int, frozenset[str]] = {}


async def refuse_unknown_query(request: Request) -> None:
    """A query parameter the operation does not take is refused (422), like an unknown body field: a
    typo (``?skuu=TEE``) must not silently widen a read to everything."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None or not request.url.path.startswith("/api/"):
        return
    declared = _DECLARED.get(id(route))
    if declared is None:
        declared = _DECLARED[id(route)] = frozenset(_query_names(dependant))
    for name in request.query_params:
        if name not in declared:
            raise InvalidInput(
                f"is not a parameter of this operation (it takes: {', '.join(sorted(declared)) or 'none'})",
                field=name or "query",
            )
