"""Sign-in throttling, per account and per client address, in this process's memory.

After ``free`` failures in a row on an account (merchant + user name) or from a client address, the
next attempt must wait (:func:`truecount.domain.throttle.pause_s`: doubling, capped): until then it is
refused with :class:`TooManyAttempts` (429 with ``Retry-After``) before any password is checked — even
the right one. A success clears the account's count, not the address's (one good account must not
launder an address's guesses at others). Entries idle longer than the longest pause are forgotten,
and at most ``max_entries`` are kept (the oldest dropped), so the table cannot grow without bound.
Several server processes each keep their own counts: the limit is per process.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from truecount.domain.errors import TooManyAttempts
from truecount.domain.throttle import pause_s


@dataclass
class _Entry:
    failures: int
    last_failure: float


class SignInThrottle:
    """Counts failed sign-ins by key (``account:…``, ``address:…``)."""

    def __init__(
        self, free: int = 5, first_pause_s: float = 1.0, max_pause_s: float = 900.0, max_entries: int = 100_000
    ) -> None:
        self.free, self.first_pause_s, self.max_pause_s, self.max_entries = (
            free,
            first_pause_s,
            max_pause_s,
            max_entries,
        )
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def keys(merchant: str, name: str, address: str) -> tuple[str, str]:
        return f"account:{merchant}\0{name.lower()}", f"address:{address}"

    def check(self, keys: tuple[str, ...], now: float | None = None) -> None:
        """Refuse (:class:`TooManyAttempts`) while any key still owes a pause."""
        now = time.monotonic() if now is None else now
        wait = 0.0
        with self._lock:
            for key in keys:
                entry = self._entries.get(key)
                if entry is None:
                    continue
                owed = pause_s(entry.failures, self.free, self.first_pause_s, self.max_pause_s)
                if now - entry.last_failure > max(owed, self.max_pause_s):
                    del self._entries[key]  # idle long enough: forgotten
                    continue
                wait = max(wait, entry.last_failure + owed - now)
        if wait > 0:
            retry = max(1, int(wait + 0.999))
            raise TooManyAttempts(
                f"too many failed sign-ins: try again in {retry} s", field="password", retry_after_s=retry
            )

    def failed(self, keys: tuple[str, ...], now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            for key in keys:
                entry = self._entries.pop(key, None) or _Entry(0, now)
                entry.failures += 1
                entry.last_failure = now
                self._entries[key] = entry  # newest last
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def succeeded(self, account_key: str) -> None:
        with self._lock:
            self._entries.pop(account_key, None)
