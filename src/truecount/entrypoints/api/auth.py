"""Who is calling: a bearer token or the signed session cookie, checked once per request.

:func:`authenticate` runs in :class:`~.guard.RequestGuard` before the body is read; the routes find
the caller in ``request.state.principal`` (see :func:`.deps.current_user`). Bearer tokens and sessions go
through the process's short-lived lookup cache (``services/accounts/credential_cache``).
"""

from __future__ import annotations

from itsdangerous import BadSignature
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection

from truecount.domain.accounts import Principal
from truecount.domain.errors import Unauthorized
from truecount.services.accounts import credential_cache
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
    else looked up in a worker thread and remembered (``services/accounts/credential_cache``)."""
    principal = credential_cache.cached(tc.db, token)
    if principal is None:
        since = credential_cache.generation(tc.db)
        principal = await run_in_threadpool(accounts.principal_for_token, tc.db, token)
        credential_cache.remember(tc.db, token, principal, tc.settings.auth_cache_s, since)
    return principal


async def principal_for_session(tc: Truecount, value: str) -> Principal:
    """The session's user: from the lookup cache, else looked up in a worker thread and remembered for
    ``auth_cache_s``, never past the session's expiry. Signing out, or a change to the user, drops the
    cache of the process that made it."""
    key = credential_cache.session_key(value)
    principal = credential_cache.cached(tc.db, key)
    if principal is None:
        since = credential_cache.generation(tc.db)
        found = await run_in_threadpool(accounts.find_session, tc.db, value)
        credential_cache.remember(tc.db, key, found.principal, tc.settings.auth_cache_s, since, valid_s=found.valid_s)
        principal = found.principal
    return principal


async def authenticate(tc: Truecount, request: HTTPConnection) -> Principal:
    """``Authorization: Bearer TOKEN`` first, else the session cookie, else :class:`Unauthorized`.

    A signed-out session, a disabled user's sessions and tokens, and a revoked token are refused at once
    in the process that made the change (its lookup cache is cleared) and within ``auth_cache_s`` in
    other processes; a session is never honoured past its expiry.
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
    return await principal_for_session(tc, value)
