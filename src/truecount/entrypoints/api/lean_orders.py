"""``POST /api/v1/orders`` on a short path: the busiest write the API takes (channels, the POS, scans).

The order route is declared with FastAPI like every other (``routes/orders.py``, ``create_order``): its
OpenAPI entry, its dependencies, its role and every refusal come from there. :class:`LeanOrderRoute`,
tried before every other route, answers the requests that are plainly well-formed — a bearer token
of a user with the route's role (the request guard has already authenticated it), no query string,
a JSON body that reads as ``OrderCreate``, an ``Idempotency-Key`` within its limits — by calling the
same ``create_order`` with the values FastAPI would have resolved, without FastAPI's dependency
resolution (14 calls a request) and without trying the routes before it. Every other request (a
session cookie, a bad or missing field, another role, a query parameter) is handed, body and all,
to the FastAPI route, which answers it exactly as it always has.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import ValidationError
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.types import Message, Receive, Scope, Send

from truecount.domain.accounts import Principal, role_allows

from .deps import IDEMPOTENCY_KEY_MAX, current_user, get_scope
from .roles import operation_roles
from .routes import API_PREFIX
from .routes.orders import OrderCreate, create_order
from .state import Truecount

PATH = f"{API_PREFIX}/orders"
PASSED = "truecount.lean_passed"  # set in the scope of a request handed on to the FastAPI route


class LeanOrderRoute(BaseRoute):
    """Matches ``POST /api/v1/orders`` from a bearer token holding ``role``; see the module docstring."""

    def __init__(self, role: str) -> None:
        self.role = role
        self.path = PATH

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if (
            scope["type"] == "http"
            and scope["path"] == PATH
            and scope["method"] == "POST"
            and not scope.get("query_string")
            and not scope.get(PASSED)
        ):
            principal = scope.get("state", {}).get("principal")
            if isinstance(principal, Principal) and principal.via == "token" and role_allows(principal.role, self.role):
                return Match.FULL, {"route": self}
        return Match.NONE, {}

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        raise NoMatchFound(name, path_params)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        body = await request.body()
        order = _readable(request.headers, body)
        if order is None:
            await _pass_on(scope, body, receive, send)
            return
        tc: Truecount = scope["app"].state.truecount
        user = await current_user(request, tc, None)
        response = await create_order(order, tc.db, await get_scope(user, tc.settings), request.headers.get(KEY))
        await response(scope, receive, send)


KEY = "idempotency-key"


def _readable(headers: Headers, body: bytes) -> OrderCreate | None:
    """The order, if the request is one FastAPI would accept as it stands; else None."""
    if headers.get("content-type", "").partition(";")[0].strip().lower() != "application/json":
        return None
    key = headers.get(KEY)
    if key is not None and not 1 <= len(key) <= IDEMPOTENCY_KEY_MAX:
        return None
    try:
        return OrderCreate.model_validate_json(body)
    except ValidationError:
        return None


async def _pass_on(scope: Scope, body: bytes, receive: Receive, send: Send) -> None:
    """Route the request again, past this route, with the body already read handed over as it came."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}

    scope[PASSED] = True
    await scope["router"](scope, replay, send)


def install_lean_orders(app: FastAPI) -> None:
    """Put :class:`LeanOrderRoute` first, with the role the FastAPI route requires."""
    role = operation_roles(app)[f"POST {PATH}"]
    app.router.routes.insert(0, LeanOrderRoute(role))
