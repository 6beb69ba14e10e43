"""How much a line still owes, in the line's own units. Pure."""

from __future__ import annotations


def line_units_owed(line_sku: str, owed: dict[str, int], parts: dict[str, int]) -> int:
    """Units of the line still owed, from what is owed per variant.

    A plain line owes what is owed of its own SKU. A bundle line's backorders are per component
    (a bundle of a tee and two mugs, short of both mugs, owes 2 mugs): it owes as many bundles
    as its shortest component needs — ``max(ceil(owed_c / per_bundle_c))`` — so one bundle short
    of two mugs owes one bundle, not two.
    """
    if not parts:
        return sum(q for q in owed.values() if q > 0)
    return max((-(-q // parts[sku]) for sku, q in owed.items() if q > 0 and parts.get(sku)), default=0)
