"""Password hashing (argon2id) with bounded work.

Each argon2 hash or check takes 64 MiB and tens of milliseconds. Unbounded, 16 concurrent failed
sign-ins took the server past 1 GB; here at most :func:`limit_concurrency` run at once (default 2),
the others wait their turn, so memory stays bounded whatever arrives.
"""

from __future__ import annotations

import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
_slots = threading.BoundedSemaphore(2)
_DUMMY_HASH = _hasher.hash("not-a-password")


def limit_concurrency(at_once: int) -> None:
    """At most ``at_once`` hashes are computed at the same time in this process (from the setting
    ``password_hash_concurrency``; call it before serving)."""
    global _slots
    _slots = threading.BoundedSemaphore(max(1, at_once))


def hash_password(password: str) -> str:
    with _slots:
        return str(_hasher.hash(password))


def verify_password(hashed: str | None, password: str) -> bool:
    """Whether ``password`` matches ``hashed``; with ``hashed`` None, the same work is done against a
    dummy hash (so an unknown user takes as long as a wrong password) and the answer is False."""
    with _slots:
        try:
            return bool(_hasher.verify(hashed or _DUMMY_HASH, password)) and hashed is not None
        except (VerificationError, InvalidHashError):
            return False
