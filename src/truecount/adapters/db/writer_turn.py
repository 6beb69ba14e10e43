"""SQLite writers of several processes taking turns: who writes now, and who is waiting to.

SQLite lets one writer at a time into a file. A writer of another process that finds the lock taken
waits in SQLite's busy handler, which sleeps and tries again (1 ms growing to 100 ms between tries)
and cannot tell the holder that it waits. A bulk job committing short transactions back to back (a
stock import's parts) therefore took the lock again every time before the sleeper woke, and an order
placed through ``truecount serve`` waited for the whole file.

So truecount's writers also take turns on two byte-range locks of a file beside the database
(``<database>-writers``, kept: removing a lock file others may hold is a race), taken before
``BEGIN IMMEDIATE`` (inside the process's own first-come, first-served queue):

- byte 0, **the turn**: held exclusive from before the transaction's ``BEGIN`` until its end;
- byte 1, **waiting**: held shared by a handle while any of its writers waits (in the process's
  queue or for the turn).

A **bulk** writer (one part of a bulk job) does not mark itself: before asking for the turn it
waits until no one holds ``waiting`` — every writer of another process that was waiting when its last
part committed has had its turn, and those queued behind them in their process — then goes on at
once. A bulk job thus waits only when someone does, and only as long as their transactions take;
it never guesses a pause.

The locks are open file description locks (Linux ``F_OFD_SETLK``): held per open file, so two
handles in one process exclude each other too, and dropped by the kernel when a process ends. Waits
are tries without blocking, sleeping 0.2 ms doubling to 2 ms between them: a blocking lock has no
time limit, and a writer gives up (busy, as SQLite's own wait) after the database's busy timeout. A
bulk writer defers at most :data:`DEFER_AT_MOST_S` to the waiting ones, so a server that writes
without a pause still lets the job go on. Where open file description locks are missing (not Linux),
or the file cannot be opened, writers rely on SQLite's busy handler alone.
"""

from __future__ import annotations

import errno
import fcntl
import os
import sqlite3
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

from sqlalchemy import exc

DEFER_AT_MOST_S = 1.0  # a bulk writer waits at most this long for the writers waiting before it
_TURN, _WAITING = 0, 1  # the bytes
_FIRST_NAP_S, _LONGEST_NAP_S = 0.000_2, 0.002
_SETLK: int = getattr(fcntl, "F_OFD_SETLK", 0)  # 0: not on this system
_GETLK: int = getattr(fcntl, "F_OFD_GETLK", 0)
_FLOCK = struct.Struct("hhqqi4x")  # struct flock on 64-bit Linux: type, whence, start, len, pid (0), padding


class WriterTurns:
    """The turns of one SQLite database file's writers, for one handle (:class:`.engine.Database`)."""

    def __init__(self, database_path: str | None, busy_timeout_s: float) -> None:
        self._path = f"{database_path}-writers" if database_path and _SETLK else None
        self._busy_timeout_s = busy_timeout_s
        self._fd: int | None = None
        self._pid = 0
        self._holder: int | None = None  # the thread holding the turn
        self._queued = 0  # this handle's writers waiting, in its queue or for the turn
        self._queue_guard = threading.Lock()

    @contextmanager
    def turn(self, queue: AbstractContextManager[object], *, bulk: bool = False) -> Iterator[None]:
        """The handle's in-process ``queue`` (first come, first served), then the turn; nested in a
        turn this thread holds, the outer one's. Until it has the turn, a writer marks this handle
        waiting (the mark is one per open file: held while any of its writers waits). ``bulk``:
        unmarked, after every writer marked waiting (at most :data:`DEFER_AT_MOST_S`)."""
        if self._holder == threading.get_ident():
            yield
            return
        fd = self._file()
        if fd is None:
            with queue:
                yield
            return
        marked = not bulk
        if marked:
            self._mark(fd, +1)
        try:
            with queue:
                if bulk:
                    self._none_waiting(fd, time.monotonic() + DEFER_AT_MOST_S)
                _take(fd, fcntl.F_WRLCK, _TURN, time.monotonic() + self._busy_timeout_s)
                if marked:
                    marked = False
                    self._mark(fd, -1)
                self._holder = threading.get_ident()
                try:
                    yield
                finally:
                    self._holder = None
                    _unlock(fd, _TURN)
        finally:
            if marked:  # gave up waiting (busy)
                self._mark(fd, -1)

    def waiting(self) -> bool:
        """Whether a writer of another handle is waiting for the turn now."""
        fd = self._file()
        return fd is not None and _marked(fd)

    def close(self) -> None:
        if self._fd is not None and self._pid == os.getpid():
            os.close(self._fd)
        self._fd = None

    @staticmethod
    def _none_waiting(fd: int, deadline: float) -> None:
        """Return once no other handle is marked waiting (or at ``deadline``)."""
        nap = _FIRST_NAP_S
        while _marked(fd) and time.monotonic() < deadline:
            time.sleep(nap)
            nap = min(nap * 2, _LONGEST_NAP_S)

    def _mark(self, fd: int, step: int) -> None:
        """One more (or fewer) of this handle's writers waiting: the mark taken for the first, dropped
        after the last."""
        with self._queue_guard:
            if step > 0 and self._queued == 0:
                _take(fd, fcntl.F_RDLCK, _WAITING, time.monotonic() + self._busy_timeout_s)
            self._queued += step
            if self._queued == 0:
                _unlock(fd, _WAITING)

    def _file(self) -> int | None:
        """The lock file, opened once per process (a forked child opens its own: an inherited open
        file would be the parent's, its locks shared)."""
        if self._path is None:
            return None
        with self._queue_guard:
            if self._fd is None or self._pid != os.getpid():
                try:
                    self._fd = _open(self._path, self._path.removesuffix("-writers"))
                except OSError:
                    self._path = None  # a read-only place: SQLite's busy handler alone
                    return None
                self._pid = os.getpid()
            return self._fd


def _open(path: str, database_path: str) -> int:
    """The lock file, created with the database file's permissions if missing (as SQLite creates its
    ``-wal`` and ``-shm`` files): whoever may write the database may take turns."""
    try:
        mode = os.stat(database_path).st_mode & 0o666
    except OSError:
        mode = 0o644
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode)
    except FileExistsError:
        return os.open(path, os.O_RDWR | os.O_CLOEXEC)
    os.fchmod(fd, mode)  # past the umask
    return fd


def _try(fd: int, kind: int, byte: int) -> bool:
    """Take ``byte`` as ``kind`` (shared or exclusive) if no other open file holds it otherwise."""
    try:
        fcntl.fcntl(fd, _SETLK, _FLOCK.pack(kind, os.SEEK_SET, byte, 1, 0))
    except OSError as refused:
        if refused.errno in (errno.EAGAIN, errno.EACCES):
            return False
        raise
    return True


def _marked(fd: int) -> bool:
    """Whether another open file holds ``waiting`` (this one's own mark does not count)."""
    probe = _FLOCK.pack(fcntl.F_WRLCK, os.SEEK_SET, _WAITING, 1, 0)
    return int(_FLOCK.unpack(fcntl.fcntl(fd, _GETLK, probe))[0]) != fcntl.F_UNLCK


def _unlock(fd: int, byte: int) -> None:
    fcntl.fcntl(fd, _SETLK, _FLOCK.pack(fcntl.F_UNLCK, os.SEEK_SET, byte, 1, 0))


def _wait(fd: int, kind: int, byte: int, deadline: float) -> bool:
    """Take ``byte`` as soon as it is free, trying until ``deadline``; whether it was taken."""
    nap = _FIRST_NAP_S
    while not _try(fd, kind, byte):
        if time.monotonic() >= deadline:
            return False
        time.sleep(nap)
        nap = min(nap * 2, _LONGEST_NAP_S)
    return True


def _take(fd: int, kind: int, byte: int, deadline: float) -> None:
    """:func:`_wait`, or busy (as SQLite's own ``database is locked``) past ``deadline``."""
    if not _wait(fd, kind, byte, deadline):
        raise exc.OperationalError("BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked"))
