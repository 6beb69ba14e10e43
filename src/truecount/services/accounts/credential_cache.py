"""A short-lived, per-process cache of credential lookups (bearer tokens and sign-in sessions), so a
busy API client or a page being browsed costs no database round trip per request to say who it is.

Safety rules:

- Only successful lookups are kept, keyed by the SHA-256 of the whole credential (the secret itself
  is never held), for ``ttl_s`` seconds (the ``auth_cache_s`` setting, 1 s by default; 0 turns the
  cache off), and never past the credential's own end (a session's expiry: :func:`remember`'s
  ``valid_s``).
- Whatever revokes a token, ends a session (signing out) or changes or disables a user calls
  :func:`forget_all` in the same process: from then on every credential is looked up again, so the
  change holds at once there. A lookup that was already under way when that happened is not kept
  (a generation counter).
- The cache is per database URL, shared by every handle on that database in the process. Other
  processes (the other ``serve --workers``, a revoke from the CLI) have their own cache:
  there a change holds within ``ttl_s``.
"""

from __future__ import annotations

import hashlib
import threading
import time

from truecount.adapters.db.engine import Database
from truecount.domain.accounts import Principal


class _Cache:
    def __init__(self) -> None:
        self.entries: dict[str, tuple[Principal, float]] = {}
        self.generation = 0


_caches: dict[str, _Cache] = {}  # per database URL: every handle on one database in this process shares it
_lock = threading.Lock()
MAX_ENTRIES = 10_000  # many distinct live credentials: start again rather than grow without bound
clock = time.monotonic  # the cache's clock (seconds)


def session_key(value: str) -> str:
    """The credential a sign-in session's value is cached under (apart from any token's text)."""
    return f"session:{value}"


def _cache(db: Database) -> _Cache:
    with _lock:
        cache = _caches.get(db.url)
        if cache is None:
            cache = _caches[db.url] = _Cache()
        return cache


def _key(credential: str) -> str:
    return hashlib.sha256(credential.encode()).hexdigest()


def generation(db: Database) -> int:
    """Take this before a lookup and hand it to :func:`remember` after it."""
    return _cache(db).generation


def cached(db: Database, credential: str) -> Principal | None:
    """The principal a recent lookup of ``credential`` found, if it is still fresh."""
    hit = _cache(db).entries.get(_key(credential))
    if hit is None or hit[1] <= clock():
        return None
    return hit[0]


def remember(
    db: Database, credential: str, principal: Principal, ttl_s: float, since: int, *, valid_s: float | None = None
) -> None:
    """Keep a successful lookup for ``ttl_s`` seconds, or for the ``valid_s`` the credential has left
    if that is less, unless :func:`forget_all` ran since :func:`generation` returned ``since``."""
    keep_s = ttl_s if valid_s is None else min(ttl_s, valid_s)
    if keep_s <= 0:
        return
    cache = _cache(db)
    with _lock:
        if cache.generation != since:
            return
        if len(cache.entries) >= MAX_ENTRIES:
            cache.entries.clear()
        cache.entries[_key(credential)] = (principal, clock() + keep_s)


def forget_all(db: Database) -> None:
    """Drop every cached lookup (a token revoked, a session ended, a user disabled or changed): call it
    after the change commits, in the process that made it."""
    cache = _cache(db)
    with _lock:
        cache.generation += 1
        cache.entries.clear()
