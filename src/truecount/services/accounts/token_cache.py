"""A short-lived, per-process cache of bearer-token lookups, so a busy API client costs no database
round trip per request to say who it is.

Safety rules:

- Only successful lookups are kept, keyed by the SHA-256 of the whole token (the secret itself is
  never held), for ``ttl_s`` seconds (the ``auth_cache_s`` setting, 1 s by default; 0 turns the
  cache off).
- Whatever revokes a token or changes or disables a user calls :func:`forget_all` in the same
  process: from then on every token is looked up again, so the change holds at once there. A
  lookup that was already under way when that happened is not kept (a generation counter).
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
MAX_ENTRIES = 10_000  # many distinct live tokens: start again rather than grow without bound


def _cache(db: Database) -> _Cache:
    with _lock:
        cache = _caches.get(db.url)
        if cache is None:
            cache = _caches[db.url] = _Cache()
        return cache


def _key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def generation(db: Database) -> int:
    """Take this before a lookup and hand it to :func:`remember` after it."""
    return _cache(db).generation


def cached(db: Database, token: str) -> Principal | None:
    """The principal a recent lookup of ``token`` found, if it is still fresh."""
    hit = _cache(db).entries.get(_key(token))
    if hit is None or hit[1] < time.monotonic():
        return None
    return hit[0]


def remember(db: Database, token: str, principal: Principal, ttl_s: float, since: int) -> None:
    """Keep a successful lookup for ``ttl_s`` seconds, unless :func:`forget_all` ran since
    :func:`generation` returned ``since``."""
    if ttl_s <= 0:
        return
    cache = _cache(db)
    with _lock:
        if cache.generation != since:
            return
        if len(cache.entries) >= MAX_ENTRIES:
            cache.entries.clear()
        cache.entries[_key(token)] = (principal, time.monotonic() + ttl_s)


def forget_all(db: Database) -> None:
    """Drop every cached lookup (a token revoked, a user disabled or changed): call it after the change
    commits, in the process that made it."""
    cache = _cache(db)
    with _lock:
        cache.generation += 1
        cache.entries.clear()
