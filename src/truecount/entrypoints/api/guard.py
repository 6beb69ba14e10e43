"""What every request passes before the application reads a byte of its body.

:class:`RequestGuard` is a pure ASGI middleware. For each HTTP request it

1. authenticates the caller first where the route needs it (everything but :data:`PUBLIC`): a missing
   or bad credential is answered 401 without reading the body; the caller found is handed to the
   routes in ``request.state.principal`` (so the token is looked up once);
2. picks the body limit of the route (:func:`body_limit`) and refuses a declared ``Content-Length``
   above it with 413 at once;
3. counts the bytes as the application reads them and stops at the limit with 413 (a chunked body
   has no length to trust), so no more than the limit is ever held in memory.

The answers are the one error shape (:mod:`.errors`).
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from truecount.domain.accounts import Principal
from truecount.settings import Settings

from . import auth
from .errors import answer_for
from .state import Truecount

#: Paths served without credentials: the sign-in page, static files, the API's description, channel
#: webhooks (signed by the channel instead).
PUBLIC_PREFIXES = ("/static/", "/api/v1/webhooks/", "/api/docs")
PUBLIC_PATHS = frozenset({"/login", "/openapi.json", "/favicon.ico"})

WEBHOOKS = "/api/v1/webhooks/"


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def body_limit(settings: Settings, path: str, content_type: str) -> tuple[int, str]:
    """The largest body a request may carry, and the setting that says so.

    Channel webhooks and the sign-in form (both answered without a credential) have their own limits
    whatever they claim to be; an authenticated request is limited by what it sends: a form, an
    upload (multipart, CSV, a spreadsheet), else JSON.
    """
    kind = content_type.split(";", 1)[0].strip().lower()
    if path.startswith(WEBHOOKS):
        return settings.max_webhook_body_bytes, "max_webhook_body_bytes"
    if path == "/login" or kind == "application/x-www-form-urlencoded":
        return settings.max_form_body_bytes, "max_form_body_bytes"
    if kind == "multipart/form-data" or kind.startswith(("text/csv", "application/vnd.openxmlformats")):
        return settings.max_upload_body_bytes, "max_upload_body_bytes"
    return settings.max_json_body_bytes, "max_json_body_bytes"


def too_large(limit: int, setting: str) -> HTTPException:
    return HTTPException(413, f"body: is larger than {limit} bytes (setting {setting})")


class RequestGuard:
    """Authenticate first, then hold every body to its route's limit (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        tc: Truecount = request.app.state.truecount
        if not is_public(scope["path"]):
            try:
                principal: Principal = await auth.authenticate(tc, request)
            except Exception as refused:
                await answer_for(request, refused)(scope, receive, send)
                return
            scope.setdefault("state", {})["principal"] = principal
        limit, setting = body_limit(tc.settings, scope["path"], request.headers.get("content-type", ""))
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await answer_for(request, too_large(limit, setting))(scope, receive, send)
            return
        await self.app(scope, _counted(receive, limit, setting), send)


def _counted(receive: Receive, limit: int, setting: str) -> Receive:
    """``receive`` that raises 413 once the body read so far passes ``limit``."""
    seen = 0

    async def counted() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise too_large(limit, setting)
        return message

    return counted
