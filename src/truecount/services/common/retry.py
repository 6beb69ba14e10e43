"""Retry a whole write transaction when PostgreSQL aborts it to break a deadlock or a serialization conflict.

Bookings lock their level rows in one order, so deadlocks are rare; when the second pass of
a booking has to lock out of order, PostgreSQL may pick our transaction as the victim. The
caller never sees that: the transaction is replayed (bounded), from the start.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError

T = TypeVar("T")
RETRYABLE = {"40P01", "40001"}  # deadlock_detected, serialization_failure
ATTEMPTS = 8


def _sqlstate(error: DBAPIError) -> str | None:
    return getattr(error.orig, "sqlstate", None)


def with_retry(act: Callable[[], T], attempts: int = ATTEMPTS) -> T:
    """Run ``act`` (which opens and commits its own transaction), replaying it on a retryable abort."""
    for attempt in range(attempts):
        try:
            return act()
        except DBAPIError as error:
            if _sqlstate(error) not in RETRYABLE or attempt == attempts - 1:
                raise
            time.sleep(random.uniform(0, 0.002 * 2**attempt))  # backoff with jitter before the replay
    raise AssertionError("unreachable")
