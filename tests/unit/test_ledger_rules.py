"""The ledger's pure rules: quantities, deltas, stocktakes, takes and first-expiry-first-out."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from truecount.domain.errors import InsufficientStock, InvalidInput
from truecount.domain.ledger import check_delta, check_quantity, check_take, count_delta, plan_fefo
from truecount.domain.model import Level


@pytest.mark.parametrize("bad", [0, -1, True, 1.5, "3"])
def test_a_quantity_must_be_a_positive_whole_number(bad: object) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_quantity(bad, field="quantity", max_quantity=100)  # type: ignore[arg-type]
    assert refused.value.field == "quantity"


def test_zero_is_a_meaningful_count_but_an_absurd_number_is_not() -> None:
    assert check_quantity(0, field="quantity", max_quantity=100, allow_zero=True) == 0
    with pytest.raises(InvalidInput, match="absurdly large"):
        check_quantity(101, field="quantity", max_quantity=100)


def test_an_adjustment_of_zero_is_refused_and_a_signed_one_accepted() -> None:
    assert check_delta(-3, field="delta", max_quantity=10) == -3
    with pytest.raises(InvalidInput):
        check_delta(0, field="delta", max_quantity=10)
    with pytest.raises(InvalidInput):
        check_delta(-11, field="delta", max_quantity=10)


def test_a_stocktake_delta_is_counted_minus_expected() -> None:
    assert count_delta(8, 10) == -2
    assert count_delta(12, 10) == 2


def test_a_take_may_use_available_stock_but_never_booked_stock() -> None:
    check_take(Level(on_hand=10, booked=4), 6)
    with pytest.raises(InsufficientStock) as refused:
        check_take(Level(on_hand=10, booked=4), 7)
    assert refused.value.details == [{"available": 6, "requested": 7}]


def test_lots_leave_earliest_expiry_first_then_undated_lots_then_unlotted_stock() -> None:
    lots = [("", None, 5), ("UNDATED", None, 5), ("LATE", date(2031, 1, 1), 5), ("SOON", date(2030, 1, 1), 2)]
    assert plan_fefo(lots, 10) == [("SOON", 2), ("LATE", 5), ("UNDATED", 3)]


def test_a_take_larger_than_all_lots_is_refused() -> None:
    with pytest.raises(InsufficientStock):
        plan_fefo([("A", date(2030, 1, 1), 2)], 3)


@given(st.lists(st.tuples(st.integers(0, 20), st.booleans()), min_size=1, max_size=6), st.data())
def test_a_fefo_plan_takes_exactly_the_quantity_and_never_more_than_a_lot_holds(
    spec: list[tuple[int, bool]], data: st.DataObject
) -> None:
    lots = [(f"L{i}", date(2030, 1, 1 + i) if dated else None, held) for i, (held, dated) in enumerate(spec)]
    total = sum(held for _, _, held in lots)
    wanted = data.draw(st.integers(1, max(total, 1)))
    if wanted > total:
        with pytest.raises(InsufficientStock):
            plan_fefo(lots, wanted)
        return
    plan = plan_fefo(lots, wanted)
    held = {code: q for code, _, q in lots}
    assert sum(q for _, q in plan) == wanted
    assert all(0 < q <= held[code] for code, q in plan)
