"""How long to wait after failed sign-ins. Pure rule: no clock, no storage."""

from __future__ import annotations


def pause_s(failures: int, free: int, first_pause_s: float, max_pause_s: float) -> float:
    """The pause owed after ``failures`` failures in a row: none for the first ``free`` ones, then
    ``first_pause_s``, doubling with each further failure, never more than ``max_pause_s``.

    E.g. free 5, first 1 s: failures 1-4 → 0; 5 → 1 s; 6 → 2 s; 7 → 4 s; … capped.
    """
    if failures < free:
        return 0.0
    return float(min(max_pause_s, first_pause_s * 2 ** min(failures - free, 40)))
