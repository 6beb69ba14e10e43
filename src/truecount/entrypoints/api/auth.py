"""Who is calling: a bearer token or the signed session cookie, checked once per request.

:func:`authenticate` runs in :class:`~.guard.RequestGuard` before the body is read; the routes find
the caller in ``request.state.principal`` (see :func:`.deps.current_user`). Bearer tokens go through the process's
short-lived lookup cache; sessions are read each time.
"""

from __future__ import annotations

from itsdangerous import BadSignature
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection

from truecount.domain.accounts import Principal
from truecount.domain.errors import Unauthorized
from truecount.services.accounts import token_cache
from truecount.services.accounts import users as accounts

from .state import SESSION_COOKIE, Truecount

SESSION_MAX_AGE_S = int(accounts.SESSION_TTL.total_seconds())


def session_value(tc: Truecount, request: HTTPConnection) -> str | None:
    """The session id from the signed cookie, if it is present and its signature holds."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    try:
        value = tc.signer.loads(cookie, max_age=SESSION_MAX_AGE_S)
    except BadSignature:
        return None
    return value if isinstance(value, str) else None


async def principal_for_token(tc: Truecount, token: str) -> Principal:
    """The token's user: from the process's short-lived lookup cache (no thread hop, no database round trip),
    else looked up in a worker thread and remembered (``services/accounts/token_cache``)."""
    principal = token_cache.cached(tc.db, token)
    if principal is None:
        since = token_cache.generation(tc.db)
        principal = await run_in_threadpool(accounts.principal_for_token, tc.db, token)
        token_cache.remember(tc.db, token, principal, tc.settings.auth_cache_s, since)
    return principal


async def authenticate(tc: Truecount, request: HTTPConnection) -> Principal:
    """``Authorization: Bearer TOKEN`` first, else the session cookie, else :class:`Unauthorized`.

    A disabled user's sessions are refused at once (the session's user row is read each time); their
    tokens at once in the process that disabled them (the token cache is cleared) and within
    ``auth_cache_s`` in other processes.
    """
    header = request.headers.get("authorization")
    if header:
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("use Authorization: Bearer TOKEN", field="authorization")
        return await principal_for_token(tc, token.strip())
    value = session_value(tc, request)
    if value is None:
        raise Unauthorized("sign in, or send Authorization: Bearer TOKEN", field="authorization")
    return await run_in_threadpool(accounts.principal_for_session, tc.db, value)
