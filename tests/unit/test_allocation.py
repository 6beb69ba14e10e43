"""Allocation strategies: which locations a line is booked at, split only when one cannot cover it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from truecount.domain.booking.sources import CHEAPEST, MOST_AVAILABLE, PRIORITY, Source, Take, plan

A, B, C = (Source(1, 1, 5, 0), Source(2, 1, 20, 1), Source(3, 1, 8, 2))


def test_priority_order_books_at_the_first_location_that_covers_the_line() -> None:
    assert plan(5, [B, A, C], PRIORITY) == ([Take(1, 1, 5)], 0)
    assert plan(6, [A, B, C], PRIORITY) == ([Take(2, 1, 6)], 0)


def test_most_available_books_where_most_is_held() -> None:
    assert plan(3, [A, B, C], MOST_AVAILABLE) == ([Take(2, 1, 3)], 0)


def test_cheapest_books_own_stock_first_then_the_cheapest_supplier_then_unquoted_ones() -> None:
    own, dear, cheap, unquoted = (
        Source(1, 1, 5, 3),
        Source(2, 1, 9, 0, 1250),
        Source(3, 1, 9, 1, 1104),
        Source(4, 1, 9, 2, None),
    )
    assert plan(3, [dear, cheap, unquoted, own], CHEAPEST) == ([Take(1, 1, 3)], 0)  # own stock costs nothing more
    assert plan(6, [dear, cheap, unquoted, own], CHEAPEST) == ([Take(3, 1, 6)], 0)  # cheap covers it whole
    assert plan(6, [dear, unquoted], CHEAPEST) == ([Take(2, 1, 6)], 0)  # a quoted cost before none
    split = plan(30, [dear, cheap, unquoted, own], CHEAPEST)
    assert split == ([Take(1, 1, 5), Take(3, 1, 9), Take(2, 1, 9), Take(4, 1, 7)], 0)


def test_cheapest_breaks_a_tie_in_cost_by_the_fixed_priority() -> None:
    late, early = Source(2, 1, 9, 4, 500), Source(3, 1, 9, 1, 500)
    assert plan(2, [late, early], CHEAPEST) == ([Take(3, 1, 2)], 0)


def test_a_line_no_location_covers_is_split_in_strategy_order() -> None:
    assert plan(30, [A, B, C], PRIORITY) == ([Take(1, 1, 5), Take(2, 1, 20), Take(3, 1, 5)], 0)
    assert plan(30, [A, B, C], MOST_AVAILABLE) == ([Take(2, 1, 20), Take(3, 1, 8), Take(1, 1, 2)], 0)


def test_what_no_location_can_cover_is_the_shortfall() -> None:
    assert plan(40, [A, B, C], PRIORITY) == ([Take(1, 1, 5), Take(2, 1, 20), Take(3, 1, 8)], 7)
    assert plan(2, [], PRIORITY) == ([], 2)
    assert plan(2, [Source(1, 1, 0, 0)], PRIORITY) == ([], 2)


@given(
    st.integers(1, 100),
    st.lists(st.integers(0, 40), max_size=5),
    st.sampled_from([PRIORITY, MOST_AVAILABLE]),
)
def test_a_plan_never_takes_more_than_a_source_holds_and_accounts_for_every_unit(
    quantity: int, held: list[int], strategy: str
) -> None:
    sources = [Source(i + 1, 1, q, i) for i, q in enumerate(held)]
    takes, short = plan(quantity, sources, strategy)
    assert sum(t.quantity for t in takes) + short == quantity
    assert short == max(0, quantity - sum(held))
    by_location = {s.location_id: s.available for s in sources}
    assert all(0 < t.quantity <= by_location[t.location_id] for t in takes)


def test_fulfilment_order_is_location_priority_then_the_channels_own_order() -> None:
    from truecount.domain.booking.sources import fulfilment_order

    # (id, priority, place in the channel's list, code)
    drop, shop, near = (1, 100, 1, "A-DROP"), (2, 100, 0, "WH-SOUTH"), (3, 5, 2, "Z-NEAR")
    assert fulfilment_order([drop, shop, near]) == [3, 2, 1]
    assert fulfilment_order([(1, 100, 0, "B"), (2, 100, 0, "A")]) == [2, 1]  # no order kept: by code
