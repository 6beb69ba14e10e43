"""Acting on a location whose stock sits in bins: refused naming the bins, never guessed."""

from __future__ import annotations

import pytest

from truecount.domain.bins import BinStock, check_count_at_parent, check_take_at_parent
from truecount.domain.errors import InsufficientStock, InvalidInput


def test_a_count_at_a_parent_whose_bins_hold_the_sku_names_each_bin_and_what_it_holds() -> None:
    bins = [BinStock("WH1-A", 12, 12), BinStock("WH1-B", 0, 0), BinStock("WH1-C", 3, 1)]
    with pytest.raises(InvalidInput) as refused:
        check_count_at_parent("WH1", "TEE-BL-M", bins)
    assert refused.value.field == "location"
    assert "WH1-A (12), WH1-C (3)" in str(refused.value) and "WH1-B" not in str(refused.value)
    assert "stocktake" in str(refused.value)


def test_a_count_at_a_parent_whose_bins_hold_none_of_the_sku_is_a_count_of_its_own_shelf() -> None:
    check_count_at_parent("WH1", "TEE-BL-M", [BinStock("WH1-A", 0, 0)])
    check_count_at_parent("WH1", "TEE-BL-M", [])


def test_a_take_the_parent_shelf_covers_is_allowed_and_one_it_cannot_names_the_bins_with_stock() -> None:
    bins = [BinStock("S-A", 7, 7), BinStock("S-B", 2, 0)]
    check_take_at_parent("S", "TEE", own_available=3, quantity=3, bins=bins)
    with pytest.raises(InsufficientStock) as refused:
        check_take_at_parent("S", "TEE", own_available=0, quantity=1, bins=bins)
    expected = "only 0 available at S itself; TEE is in its bins: S-A (7 available)."
    assert expected in str(refused.value)
    # no bin has it available either: no bin refusal (the plain "only 0 available" follows)
    check_take_at_parent("S", "TEE", own_available=0, quantity=1, bins=[BinStock("S-B", 2, 0)])
