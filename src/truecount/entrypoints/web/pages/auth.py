"""Sign in and sign out. The session is a signed cookie naming a server-side session row."""

from __future__ import annotations

import hmac
import secrets
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from truecount.domain.errors import TooManyAttempts, Unauthorized
from truecount.entrypoints.api.auth import session_value
from truecount.entrypoints.api.deps import CurrentUser, TruecountDep
from truecount.entrypoints.api.state import SESSION_COOKIE
from truecount.services.accounts import users as accounts

from ..render import render

router = APIRouter(include_in_schema=False)

LOGIN_CSRF_COOKIE = "truecount_login_csrf"


def safe_next(target: str | None) -> str:
    """Only a path on this site (never ``//host`` or a full URL) may be returned to after signing in."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    token = secrets.token_urlsafe(24)
    page = render(request, "login.html", None, next=safe_next(next), login_csrf=token, merchant="default")
    page.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=request.url.scheme == "https")
    return page


@router.post("/login")
async def login(
    request: Request,
    tc: TruecountDep,
    name: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=1000)],
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    merchant: Annotated[str, Form(max_length=64)] = "default",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie, csrf_token):
        return _again(request, "The sign-in form expired: please try again.", name, merchant, next, 403)
    client = request.client.host if request.client else ""
    try:
        session, _user = await run_in_threadpool(
            partial(accounts.sign_in, client=client, throttle=tc.sign_in_throttle), tc.db, merchant, name, password
        )
    except TooManyAttempts as paused:
        page = _again(request, paused.message, name, merchant, next, 429)
        page.headers["Retry-After"] = str(paused.retry_after_s)
        return page
    except Unauthorized as refused:
        return _again(request, refused.message, name, merchant, next, 401)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        tc.signer.dumps(session),
        max_age=int(accounts.SESSION_TTL.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


def _again(request: Request, message: str, name: str, merchant: str, next: str, status: int) -> Response:
    token = secrets.token_urlsafe(24)
    page = render(
        request,
        "login.html",
        None,
        status,
        next=safe_next(next),
        login_csrf=token,
        merchant=merchant,
        name=name,
        message=message,
    )
    page.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=request.url.scheme == "https")
    return page


@router.post("/logout")
async def logout(request: Request, tc: TruecountDep, _user: CurrentUser) -> Response:
    session = session_value(tc, request)
    if session:
        await run_in_threadpool(accounts.sign_out, tc.db, session)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
