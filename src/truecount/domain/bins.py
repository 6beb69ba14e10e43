"""Acting on a location whose stock sits in its bins. Pure rules.

A location's own level is what is on its own shelf; its bins hold theirs. The stock screen
rolls bins up into the location, so a person who counts or takes "at WH1" may mean the bins too.
truecount never guesses which bin: it refuses, naming the bins and what each holds, and says
how to do what was meant (act at a bin, or count the location and its bins in a stocktake).
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import InsufficientStock, InvalidInput


@dataclass(frozen=True)
class BinStock:
    """One bin under the location: its code and what it holds of the variant in the type."""

    code: str
    on_hand: int
    available: int


def _listing(bins: list[BinStock], figure: str) -> str:
    return ", ".join(f"{b.code} ({getattr(b, figure)}{' available' if figure == 'available' else ''})" for b in bins)


def check_count_at_parent(location: str, sku: str, bins: list[BinStock]) -> None:
    """A count at a location whose bins hold the variant is ambiguous: refused, naming the bins."""
    held = [b for b in bins if b.on_hand]
    if held:
        raise InvalidInput(
            f"{location} keeps {sku} in bins: {_listing(held, 'on_hand')}. Count each bin (at the bin's code), "
            f"or count {location} with its bins in a stocktake",
            field="location",
            details=[{"bin": b.code, "on_hand": b.on_hand} for b in held],
        )


def check_take_at_parent(location: str, sku: str, own_available: int, quantity: int, bins: list[BinStock]) -> None:
    """A take (adjustment down, transfer out) the location's own shelf cannot cover while its bins
    could: refused, naming the bins, instead of a bare "0 available"."""
    if quantity <= own_available:
        return
    stocked = [b for b in bins if b.available > 0]
    if stocked:
        raise InsufficientStock(
            f"only {max(own_available, 0)} available at {location} itself; {sku} is in its bins: "
            f"{_listing(stocked, 'available')}. Take it from a bin (at the bin's code)",
            field="location",
            details=[{"bin": b.code, "available": b.available} for b in stocked],
        )
