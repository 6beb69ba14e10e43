"""How long to wait before trying a channel again: exponential backoff with jitter."""

from __future__ import annotations

import random

MAX_BACKOFF_S = 300.0


def backoff_s(attempts: int, *, base_s: float = 0.5, cap_s: float = MAX_BACKOFF_S) -> float:
    """Exponential backoff with jitter: between half and all of min(cap, base × 2^attempts)."""
    ceiling = min(cap_s, base_s * 2 ** min(attempts, 30))
    return random.uniform(ceiling / 2, ceiling)
