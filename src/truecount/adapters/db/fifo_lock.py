"""A reentrant lock granted in the order it was asked for (SQLite's in-process writer queue).

``threading.RLock`` hands a released lock to whichever thread asks next, and the thread that just
released it usually asks first: it still holds the interpreter while the woken waiter has yet to
run. A writer that commits in short transactions one after another (a stock import's parts) then
takes the lock back every time, and an order waiting for it waits for the whole run instead of
one transaction. Here a released lock goes to the longest waiter.
"""

from __future__ import annotations

import threading
from collections import deque
from types import TracebackType


class FifoRLock:
    """Reentrant; when released, granted to the thread that has waited longest."""

    def __init__(self) -> None:
        self._state = threading.Condition(threading.Lock())
        self._owner: int | None = None
        self._depth = 0
        self._queue: deque[int] = deque()

    def acquire(self) -> None:
        me = threading.get_ident()
        with self._state:
            if self._owner == me:
                self._depth += 1
                return
            self._queue.append(me)
            while self._owner is not None or self._queue[0] != me:
                self._state.wait()
            self._queue.popleft()
            self._owner, self._depth = me, 1

    def release(self) -> None:
        with self._state:
            if self._owner != threading.get_ident():
                raise RuntimeError("cannot release a lock this thread does not hold")
            self._depth -= 1
            if self._depth == 0:
                self._owner = None
                self._state.notify_all()

    def waiting(self) -> int:
        """How many threads are waiting for the lock."""
        with self._state:
            return len(self._queue)

    def __enter__(self) -> FifoRLock:
        self.acquire()
        return self

    def __exit__(self, *_: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.release()
