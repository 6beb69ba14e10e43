"""The one place a refusal becomes an HTTP answer.

Every 4xx (and the rare 5xx) has the body ``{"error": {"code", "message", "details"}}``.
``details`` is a list; for a field-level refusal each item is ``{"field", "reason"}``
(``field`` in dotted form: ``variants[0].sku``), for other refusals whatever the
service attached (e.g. the short lines of a strict order).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from truecount.adapters.db.engine import is_busy, is_out_of_range
from truecount.domain.errors import TooManyAttempts, TruecountError
from truecount.domain.ledger import PAST_STORED_LIMIT

log = logging.getLogger("truecount.api")

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "too_many_requests",
    503: "busy",
}


def error_body(code: str, message: str, details: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or []}}


def is_page(request: Request) -> bool:
    """Whether the request is for an HTML page (not the API, not a JSON client)."""
    path = request.url.path
    if path.startswith("/api/") or path == "/openapi.json":
        return False
    wants = request.headers.get("accept", "") + " " + request.headers.get("content-type", "")
    return "application/json" not in wants


def error_response(
    request: Request, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> Response:
    if status == 401 and is_page(request) and request.method == "GET":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
    if is_page(request):
        renderer = getattr(request.app.state, "render_error", None)
        if renderer is not None:
            page: Response = renderer(request, status, body["error"])
            return page
    return JSONResponse(body, status_code=status, headers=headers)


def field_path(loc: tuple[int | str, ...] | list[int | str]) -> str:
    """``("body", "variants", 0, "sku")`` → ``variants[0].sku``."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "body"


def _truecount_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, TruecountError)
    details = list(exc.details)
    if exc.field and not details:
        details = [{"field": exc.field, "reason": exc.message}]
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    if isinstance(exc, TooManyAttempts):
        headers = {"Retry-After": str(exc.retry_after_s)}
    return error_response(request, exc.status, error_body(exc.code, str(exc), details), headers)


def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    details = []
    for err in exc.errors():
        reason = str(err.get("msg", "is invalid"))
        loc = tuple(err.get("loc", ()))
        if err.get("type") == "value_error":  # a validator's own words, without pydantic's "Value error, "
            reason = str(err.get("ctx", {}).get("error", reason))
        if err.get("type") == "json_invalid":  # FastAPI locates it by the character: the field is the body
            at = f" at character {loc[-1]}" if loc and isinstance(loc[-1], int) else ""
            reason = f"is not valid JSON{at}: {err.get('ctx', {}).get('error', reason)}"
            loc = ("body",)
        details.append({"field": field_path(loc), "reason": reason})
    message = "; ".join(f"{d['field']}: {d['reason']}" for d in details) or "invalid request"
    return error_response(request, 422, error_body("invalid_input", message, details))


def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400 and isinstance(exc.__cause__, (ValueError, RecursionError)):
        return _unreadable_body(request, exc.__cause__)
    code = HTTP_CODES.get(exc.status_code, "error" if exc.status_code >= 500 else "bad_request")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    headers = dict(exc.headers or {})
    details: list[dict[str, Any]] = []
    if exc.status_code == 404 and message == "Not Found":
        message = f"no such resource: {request.method} {request.url.path}"
    elif exc.status_code == 405:
        allowed = allowed_methods(request)
        headers["Allow"] = ", ".join(allowed)
        message = f"{request.method} is not allowed on {request.url.path}: use {', '.join(allowed)}"
    elif exc.status_code == 413:
        field, _, reason = message.partition(": ")
        details = [{"field": field, "reason": reason}]
    return error_response(request, exc.status_code, error_body(code, message, details), headers)


def _unreadable_body(request: Request, cause: BaseException) -> Response:
    """A body the JSON reader gave up on (nested too deep, an integer of thousands of digits): 422."""
    reason = "is nested too deeply" if isinstance(cause, RecursionError) else f"cannot be read as JSON: {cause}"
    body = error_body("invalid_input", f"body: {reason}", [{"field": "body", "reason": reason}])
    return error_response(request, 422, body)


METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route answers fully on this path (a 405's ``Allow``)."""
    allowed = []
    for method in METHODS:
        probe = {**request.scope, "method": method}
        if any(route.matches(probe)[0] == Match.FULL for route in request.app.router.routes):
            allowed.append(method)
    if "GET" in allowed and "HEAD" not in allowed:
        allowed.append("HEAD")
    return sorted(allowed)


def _busy(request: Request, exc: Exception) -> Response:
    """The database is busy (a lock not granted in time, no connection free): 503 with ``Retry-After``.
    The transaction rolled back, so nothing was written; the same request may simply be sent again."""
    if is_out_of_range(exc):
        return _storage_refusal(request, exc)
    if not is_busy(exc):
        return _unexpected(request, exc)
    log.warning("database busy on %s %s: %s", request.method, request.url.path, exc)
    retry_after = str(request.app.state.truecount.settings.busy_retry_after_s)
    body = error_body("busy", "the database is busy: nothing was written, try again shortly")
    return error_response(request, 503, body, {"Retry-After": retry_after})


OUT_OF_RANGE = {"field": "quantity", "reason": PAST_STORED_LIMIT}


def _storage_refusal(request: Request, exc: Exception) -> Response:
    """The database's own refusal (a value it cannot store, a key taken by a concurrent write).

    The transaction rolled back, so nothing was written; the services validate first, this is the backstop.
    """
    log.warning("storage refused %s %s: %s", request.method, request.url.path, exc)
    if is_out_of_range(exc):
        message = f"quantity: {PAST_STORED_LIMIT}"
        return error_response(request, 422, error_body("invalid_input", message, [OUT_OF_RANGE]))
    if isinstance(exc, IntegrityError):
        body = error_body("conflict", "the request conflicts with stored data (written concurrently?): retry")
        return error_response(request, 409, body)
    return error_response(request, 422, error_body("invalid_input", "a value cannot be stored (too long or invalid)"))


def _unexpected(request: Request, exc: BaseException) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse(error_body("internal", "internal error: the request was not completed"), status_code=500)


_HANDLERS: list[tuple[type[Exception], Any]] = [
    (TruecountError, _truecount_error),
    (RequestValidationError, _validation_error),
    (StarletteHTTPException, _http_error),
    (DataError, _storage_refusal),
    (IntegrityError, _storage_refusal),
    (OperationalError, _busy),
    (PoolTimeout, _busy),
]


def answer_for(request: Request, exc: BaseException) -> Response:
    """The answer to ``exc`` outside the application's own handlers (the request guard)."""
    for kind, handler in _HANDLERS:
        if isinstance(exc, kind):
            answer: Response = handler(request, exc)
            return answer
    return _unexpected(request, exc)


def install_error_handlers(app: FastAPI) -> None:
    """Register the translations: domain refusals, bad input, HTTP errors, a busy database, anything else."""
    for kind, handler in _HANDLERS:
        app.add_exception_handler(kind, handler)
    app.add_exception_handler(Exception, _unexpected)
