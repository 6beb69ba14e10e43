"""The pick list's rules: lots shared first-expiry-first-out among the needs at a level, and scans
ticking lines in order or refused whole."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from truecount.domain.errors import Conflict, InvalidInput
from truecount.domain.picking import Need, check_sources, plan_takes, tick


def test_needs_at_one_level_share_its_lots_earliest_expiry_first_in_the_order_given() -> None:
    a, b = Need(1, 10, 1, ("order", 1), 3), Need(1, 10, 1, ("workorder", 7), 2)
    lots = {(1, 10, 1): [("LATE", date(2031, 1, 1), 4), ("", None, 9), ("EARLY", date(2030, 1, 1), 2)]}
    assert [(t.need.source, t.lot, t.quantity) for t in plan_takes([a, b], lots)] == [
        (("order", 1), "EARLY", 2),
        (("order", 1), "LATE", 1),
        (("workorder", 7), "LATE", 2),
    ]


def test_units_no_lot_records_are_taken_unlotted() -> None:
    takes = plan_takes([Need(1, 10, 1, ("order", 1), 3)], {(1, 10, 1): [("L1", None, 1)]})
    assert [(t.lot, t.quantity) for t in takes] == [("L1", 1), ("", 2)]


@given(
    st.lists(st.integers(1, 9), min_size=1, max_size=6),
    st.lists(st.tuples(st.sampled_from(["A", "B", "C", ""]), st.integers(0, 9)), max_size=4, unique_by=lambda x: x[0]),
)
def test_every_need_is_taken_whole_and_no_lot_gives_more_than_it_holds(
    quantities: list[int], held: list[tuple[str, int]]
) -> None:
    needs = [Need(1, 10, 1, ("order", i), q) for i, q in enumerate(quantities)]
    takes = plan_takes(needs, {(1, 10, 1): [(code, None, q) for code, q in held]})
    for need in needs:
        assert sum(t.quantity for t in takes if t.need is need) == need.quantity
    on_hand = dict(held)
    for code in {t.lot for t in takes if t.lot}:
        assert sum(t.quantity for t in takes if t.lot == code) <= on_hand[code]


def test_a_scan_ticks_the_first_lines_with_units_left_or_is_refused_whole() -> None:
    lines = [(11, 2, 2), (12, 3, 1), (13, 1, 0)]
    assert tick(lines, 3, "TEE", 5) == [(12, 2), (13, 1)]
    with pytest.raises(Conflict, match="only 3 more"):
        tick(lines, 4, "TEE", 5)
    with pytest.raises(InvalidInput, match="TEE is not on pick list 5"):
        tick([], 1, "TEE", 5)


def test_a_pick_list_needs_something_to_pick_for_each_named_once() -> None:
    with pytest.raises(InvalidInput) as empty:
        check_sources([], [])
    assert empty.value.field == "orders"
    with pytest.raises(InvalidInput, match="listed twice: 3") as twice:
        check_sources([1], [3, 3])
    assert twice.value.field == "work_orders"
