"""Substitutes: the rules of a variant's list of substitutes. Pure.

A **substitute** is another variant that may ship in place of a variant ordered when the ordered
one cannot cover a line: ``ratio`` units of it per unit ordered, on the channels listed (every
channel when none is), telling the customer when ``notify`` is set. A variant's substitutes are
tried in list order; a substitute's own substitutes are never followed (no chains, so no cycles).
"""

from __future__ import annotations

from dataclasses import dataclass

from truecount.domain.errors import InvalidInput

MAX_RATIO = 1_000
"""The most units of a substitute that may ship per unit ordered."""

MAX_SUBSTITUTES = 20
"""The longest list of substitutes a variant may have."""


def check_ratio(ratio: object) -> int:
    """A ratio is a whole number from 1 to :data:`MAX_RATIO`."""
    if isinstance(ratio, bool) or not isinstance(ratio, int) or not 0 < ratio <= MAX_RATIO:
        raise InvalidInput(f"must be a whole number from 1 to {MAX_RATIO}", field="ratio")
    return ratio


@dataclass(frozen=True)
class AddSubstitute:
    """``substitute`` may ship for ``sku``: ``ratio`` of it per unit ordered, on ``channels`` (codes;
    ``None``: every channel), telling the customer when ``notify``."""

    sku: str
    substitute: str
    ratio: int = 1
    channels: list[str] | None = None
    notify: bool = False
