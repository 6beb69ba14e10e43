"""Which places feed the channels: the rule the stock screen's figures and filters share."""

from __future__ import annotations

from collections.abc import Mapping


def top_of(place: int, parents: Mapping[int, int | None]) -> int:
    """The top-level location a place (a location or a bin at any depth) hangs from."""
    top, seen = place, {place}
    parent = parents.get(place)
    while parent is not None and parent not in seen:
        top = parent
        seen.add(top)
        parent = parents.get(top)
    return top


def feeding(places: Mapping[int, tuple[int | None, bool]]) -> set[int]:
    """The places whose stock is for sale, from place → (parent, saleable): a place feeds when it
    is saleable and so is the top-level location it hangs from (a bin of a place not for sale is
    not for sale)."""
    parents = {place: parent for place, (parent, _) in places.items()}
    return {
        place
        for place, (_, saleable) in places.items()
        if saleable and places.get(top_of(place, parents), (None, False))[1]
    }
