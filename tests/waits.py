"""Waiting for a condition in a concurrency test: polled, with a deadline (a condition, not a guess at how long)."""

from __future__ import annotations

import time
from collections.abc import Callable


def until(condition: Callable[[], object], what: str, deadline_s: float = 20.0) -> None:
    """Return as soon as ``condition()`` is true; fail naming ``what`` after ``deadline_s``."""
    deadline = time.monotonic() + deadline_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.002)
