"""Whether an order posted again is the order recorded: the rule for a repeat of a known external id.

An order is recorded once per (channel, external id). A repeat with the same lines — the same
quantity of each SKU, in any order and however split over lines — is a replay (the recorded order
is answered again). A repeat with other lines is not the same order: it is refused (409), naming
each SKU whose quantity differs, and nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterable

from .errors import Conflict


class OrderLinesDiffer(Conflict):
    """An order re-posted with a known external id and other lines than the ones recorded."""

    code = "order_lines_differ"


def _totals(lines: Iterable[tuple[str, int]]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for sku, quantity in lines:
        totals[sku] = totals.get(sku, 0) + quantity
    return totals


def line_differences(posted: Iterable[tuple[str, int]], recorded: Iterable[tuple[str, int]]) -> list[dict[str, object]]:
    """Each SKU whose total quantity differs, by SKU: ``{"field": "lines", "sku", "posted", "recorded",
    "reason"}`` (0 where a side has no line of it). Empty: the same lines."""
    mine, theirs = _totals(posted), _totals(recorded)
    found: list[dict[str, object]] = []
    for sku in sorted(mine.keys() | theirs.keys()):
        now, then = mine.get(sku, 0), theirs.get(sku, 0)
        if now != then:
            reason = f"{sku}: posted {now}, recorded {then}"
            found.append({"field": "lines", "sku": sku, "posted": now, "recorded": then, "reason": reason})
    return found


def check_replay(
    channel: str, external_id: str, posted: Iterable[tuple[str, int]], recorded: Iterable[tuple[str, int]]
) -> OrderLinesDiffer | None:
    """The refusal of a repeat whose lines differ from the recorded order's, or None for a true replay."""
    differences = line_differences(posted, recorded)
    if not differences:
        return None
    said = "; ".join(str(d["reason"]) for d in differences)
    return OrderLinesDiffer(
        f"order {external_id!r} of channel {channel!r} is already recorded with other lines ({said}): "
        "to change an order, cancel the recorded one and post the new one under another external_id",
        field="lines",
        details=differences,
    )
