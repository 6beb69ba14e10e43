"""``truecount serve --workers N``: the application as each server process builds it.

With several worker processes uvicorn imports :func:`app` in each (a factory, so every process
opens its own database pool). The parent hands the settings down through the environment
(``TRUECOUNT_DATABASE_URL``…, read by :func:`~truecount.settings.get_settings`) and names a lock
file in ``TRUECOUNT_SYNC_WORKER_LOCK``: the first process to take that lock runs the embedded
sync worker, the others serve requests only. The lock is held for the life of the process, so
if that process dies, the one uvicorn starts in its place takes it over.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from pathlib import Path
from typing import IO

from fastapi import FastAPI

from truecount.settings import get_settings

from .app import create_app

LOCK_ENV = "TRUECOUNT_SYNC_WORKER_LOCK"
_held: list[IO[bytes]] = []  # the lock file stays open (and locked) while this process lives


def lock_path(database_url: str, port: int) -> str:
    """Where the processes of one ``serve`` agree who runs the sync worker."""
    name = hashlib.sha256(f"{database_url}|{port}".encode()).hexdigest()[:16]
    return str(Path(tempfile.gettempdir()) / f"truecount-serve-{name}.lock")


def claim_sync_worker(path: str) -> bool:
    """Take the lock at ``path`` without waiting: True in exactly one live process."""
    file = open(path, "ab")  # noqa: SIM115 (kept open on purpose: closing would release the lock)
    try:
        fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        file.close()
        return False
    _held.append(file)
    return True


def app() -> FastAPI:
    """The application for one server process (uvicorn's factory)."""
    path = os.environ.get(LOCK_ENV, "")
    return create_app(get_settings(), run_worker=bool(path) and claim_sync_worker(path))
