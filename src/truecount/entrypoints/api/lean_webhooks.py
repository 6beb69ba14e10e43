"""``POST /api/v1/webhooks/{channel}`` on a short path: every order a channel sends arrives here.

The webhook route is declared with FastAPI like every other (``routes/webhooks.py``): its OpenAPI entry
and its answers come from there. :class:`LeanWebhookRoute`, tried before every other route, answers a
delivery whose query string is empty or names the merchant alone (``?merchant=CODE``) by calling the
route's own ``answer_delivery`` with the values FastAPI would have resolved, without FastAPI's
dependency resolution and without trying the routes before it; its refusals go to the same error
handlers. Any other request (another query parameter, an empty merchant) is handed on, untouched, to
the FastAPI route, which answers it exactly as it always has.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.types import Receive, Scope, Send

from .routes import API_PREFIX
from .routes.webhooks import answer_delivery
from .state import Truecount

PREFIX = f"{API_PREFIX}/webhooks/"
PASSED = "truecount.lean_webhook_passed"  # set in the scope of a request handed on to the FastAPI route


class LeanWebhookRoute(BaseRoute):
    """Matches ``POST /api/v1/webhooks/{channel}``; see the module docstring."""

    path = PREFIX + "{channel}"

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and scope["method"] == "POST" and not scope.get(PASSED):
            path: str = scope["path"]
            if path.startswith(PREFIX) and len(path) > len(PREFIX) and "/" not in path[len(PREFIX) :]:
                return Match.FULL, {"route": self}
        return Match.NONE, {}

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        raise NoMatchFound(name, path_params)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        taken, merchant = _query(scope.get("query_string", b""))
        if not taken:
            scope[PASSED] = True
            await scope["router"](scope, receive, send)
            return
        request = Request(scope, receive)
        tc: Truecount = scope["app"].state.truecount
        answer = await answer_delivery(tc.db, tc.settings, merchant, scope["path"][len(PREFIX) :], request)
        await JSONResponse(asdict(answer))(scope, receive, send)


def _query(query: bytes) -> tuple[bool, str | None]:
    """Whether the short path takes a request with this query string, and the merchant code it names
    (``None``: none named); not taken when it holds anything else, for the FastAPI route to answer."""
    if not query:
        return True, None
    try:
        pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True, strict_parsing=True)
    except ValueError:
        return False, None
    if len(pairs) != 1 or pairs[0][0] != "merchant" or not pairs[0][1]:
        return False, None
    return True, pairs[0][1]


def install_lean_webhooks(app: FastAPI) -> None:
    """Put :class:`LeanWebhookRoute` first."""
    app.router.routes.insert(0, LeanWebhookRoute())
