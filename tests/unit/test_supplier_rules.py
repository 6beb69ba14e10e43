"""The supplier choice rules fastest, reliable and own_first: how they rank sources, which rule a
variant is taken by, and the sentence that says why a line went to a supplier."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from truecount.domain.booking.choice import (
    Candidate,
    SupplierTerms,
    days_to_ship,
    record_of,
    supplier_source,
    why,
)
from truecount.domain.booking.planner import take
from truecount.domain.booking.sources import (
    CHEAPEST,
    FASTEST,
    MOST_AVAILABLE,
    OWN_FIRST,
    PRIORITY,
    RELIABLE,
    RULES,
    Source,
    Take,
    plan,
    rule_of,
)
from truecount.domain.booking.view import ChannelSources

TWO_PM = 14 * 60
ACME = SupplierTerms("ACME", 2, TWO_PM, 800, 200)  # 80.0 % on time, 2.00 days
BOLT = SupplierTerms("BOLT", 1, None, 950, 120)
CRUX = SupplierTerms("CRUX", 0)  # no history


def dropship(location: int, rank: int, terms: SupplierTerms | None, clock: int = 0, free: int = 9) -> Source:
    return supplier_source(location, 1, free, rank, 0, terms, clock)


def test_a_supplier_ships_a_day_later_from_its_cut_off_on() -> None:
    assert days_to_ship(ACME, TWO_PM - 1) == 2
    assert days_to_ship(ACME, TWO_PM) == 3
    assert days_to_ship(BOLT, 23 * 60 + 59) == 1  # no cut-off
    assert days_to_ship(None, 0) is None


def test_fastest_takes_own_stock_then_the_supplier_that_ships_soonest_and_unknown_ones_last() -> None:
    own = Source(9, 1, 5, 5)
    acme, bolt, bare = dropship(1, 0, ACME), dropship(2, 1, BOLT), dropship(3, 2, None)
    assert plan(3, [acme, bolt, bare, own], FASTEST) == ([Take(9, 1, 3)], 0)  # own stock: 0 days
    assert plan(6, [acme, bolt, bare, own], FASTEST) == ([Take(2, 1, 6)], 0)  # BOLT 1 day < ACME 2
    assert plan(6, [acme, bare], FASTEST) == ([Take(1, 1, 6)], 0)  # known before unknown
    split = plan(30, [bare, acme, bolt, own], FASTEST)
    assert split == ([Take(9, 1, 5), Take(2, 1, 9), Take(1, 1, 9), Take(3, 1, 7)], 0)


def test_fastest_counts_the_cut_off_and_breaks_a_tie_by_priority() -> None:
    slow_late = dropship(1, 0, SupplierTerms("ACME", 1, TWO_PM), clock=TWO_PM)  # 2 days after 14:00
    steady = dropship(2, 1, SupplierTerms("BOLT", 2))
    assert plan(2, [slow_late, steady], FASTEST) == ([Take(1, 1, 2)], 0)  # 2 and 2: priority
    morning = dropship(1, 0, SupplierTerms("ACME", 2, TWO_PM), clock=TWO_PM)  # 3 days after 14:00
    assert plan(2, [morning, steady], FASTEST) == ([Take(2, 1, 2)], 0)


def test_reliable_takes_own_stock_then_the_best_on_time_share_then_fewer_days_then_no_history() -> None:
    own = Source(9, 1, 5, 9)
    acme, bolt, crux, bare = dropship(1, 0, ACME), dropship(2, 1, BOLT), dropship(3, 2, CRUX), dropship(4, 3, None)
    assert plan(3, [acme, bolt, crux, bare, own], RELIABLE) == ([Take(9, 1, 3)], 0)
    assert plan(6, [crux, acme, bolt], RELIABLE) == ([Take(2, 1, 6)], 0)  # 95 % before 80 %
    quicker = dropship(5, 4, SupplierTerms("DART", 3, None, 950, 100))  # as often on time, sooner
    assert plan(6, [bolt, quicker], RELIABLE) == ([Take(5, 1, 6)], 0)
    assert plan(6, [crux, bare, acme], RELIABLE) == ([Take(1, 1, 6)], 0)  # a history before none
    assert plan(6, [bare, crux], RELIABLE) == ([Take(3, 1, 6)], 0)  # no history either way: priority


def test_own_first_takes_every_own_location_before_any_supplier_each_group_by_its_then_rule() -> None:
    early_supplier = dropship(1, 0, BOLT, free=50)
    own_small, own_big = Source(8, 1, 4, 2), Source(9, 1, 30, 3)
    assert plan(3, [early_supplier, own_small, own_big], PRIORITY) == ([Take(1, 1, 3)], 0)
    assert plan(3, [early_supplier, own_small, own_big], OWN_FIRST) == ([Take(8, 1, 3)], 0)
    assert plan(3, [early_supplier, own_small, own_big], OWN_FIRST, MOST_AVAILABLE) == ([Take(9, 1, 3)], 0)
    assert plan(40, [early_supplier, own_small, own_big], OWN_FIRST) == ([Take(1, 1, 40)], 0)  # whole first
    split = plan(40, [dropship(1, 0, BOLT, free=30), own_small, own_big], OWN_FIRST)
    assert split == ([Take(8, 1, 4), Take(9, 1, 30), Take(1, 1, 6)], 0)


def test_a_variant_s_own_rule_overrides_the_channel_s_and_own_first_then_follows_the_channel() -> None:
    assert rule_of(PRIORITY, None) == (PRIORITY, PRIORITY)
    assert rule_of(CHEAPEST, FASTEST) == (FASTEST, CHEAPEST)
    assert rule_of(MOST_AVAILABLE, OWN_FIRST) == (OWN_FIRST, MOST_AVAILABLE)
    assert rule_of(OWN_FIRST, None) == (OWN_FIRST, PRIORITY)
    assert rule_of(OWN_FIRST, OWN_FIRST) == (OWN_FIRST, PRIORITY)
    assert set(RULES) == {PRIORITY, MOST_AVAILABLE, CHEAPEST, FASTEST, RELIABLE, OWN_FIRST}


def test_take_ranks_a_variant_by_its_own_rule_with_the_channel_s_suppliers() -> None:
    places = {(1, 1): 0, (2, 1): 1}
    channel = ChannelSources("web", 1, PRIORITY, places, frozenset({1, 2}))
    free = {(1, 1): 9, (2, 1): 9}
    terms = {1: ACME, 2: BOLT}
    assert take(4, free, channel, suppliers=terms) == ([Take(1, 1, 4)], 0)  # the channel's priority
    assert take(4, free, channel, rule=FASTEST, suppliers=terms) == ([Take(2, 1, 4)], 0)
    assert take(4, free, channel, rule=RELIABLE, suppliers=terms) == ([Take(2, 1, 4)], 0)
    assert take(4, free, channel, rule=FASTEST, suppliers={}) == ([Take(1, 1, 4)], 0)  # no records: priority


def test_reliability_figures_are_compared_in_whole_units() -> None:
    assert record_of(95.0, 1.2) == (950, 120)
    assert record_of(None, None) == (None, None)


CANDIDATES = [Candidate("DS-A", ACME), Candidate("DS-B", BOLT), Candidate("DS-C", None)]


def test_why_fastest_names_the_chosen_supplier_s_days_and_the_others() -> None:
    after = TWO_PM + 5
    assert (
        why(FASTEST, "DS-B", CANDIDATES[:2], after) == "fastest: BOLT ships in 1 day (ACME 3 days, after cut-off 14:00)"
    )
    assert why(FASTEST, "DS-B", CANDIDATES[:2], 9 * 60) == "fastest: BOLT ships in 1 day (ACME 2 days)"
    assert (
        why(FASTEST, "DS-A", CANDIDATES, after)
        == "ACME ships in 3 days, after cut-off 14:00: faster BOLT had too few free"
        " (others: BOLT 1 day; DS-C no supplier record)"
    )


def test_why_reliable_names_the_record_and_a_supplier_without_history() -> None:
    with_crux = [*CANDIDATES[:2], Candidate("DS-C", CRUX)]
    assert (
        why(RELIABLE, "DS-B", with_crux, 0) == "reliable: BOLT shipped 95.0% on time, 1.20 days to ship"
        " (ACME 80.0% on time, 2.00 days to ship; CRUX no history)"
    )
    assert why(RELIABLE, "DS-C", with_crux, 0).startswith(  # type: ignore[union-attr]
        "CRUX has no history yet: more reliable ACME, BOLT had too few free"
    )


def test_why_own_first_says_own_stock_was_short_then_the_then_rule() -> None:
    assert why(OWN_FIRST, "DS-A", CANDIDATES, 0) == "own_first: own stock had too few free, then ACME by priority"
    assert why(OWN_FIRST, "DS-B", CANDIDATES[:2], 0, FASTEST) == (
        "own_first: own stock had too few free, then fastest: BOLT ships in 1 day (ACME 2 days)"
    )
    assert why(PRIORITY, "DS-A", CANDIDATES, 0) is None
    assert why(FASTEST, "DS-X", CANDIDATES, 0) is None


@given(
    st.integers(1, 60),
    st.lists(
        st.tuples(
            st.integers(0, 30),
            st.booleans(),
            st.one_of(st.none(), st.integers(0, 5)),
            st.one_of(st.none(), st.integers(0, 1000)),
        ),
        max_size=6,
    ),
    st.sampled_from(RULES),
    st.sampled_from(RULES),
    st.integers(0, 24 * 60 - 1),
)
def test_no_rule_ever_takes_more_than_a_source_holds_and_every_unit_is_taken_or_short(
    quantity: int,
    held: list[tuple[int, bool, int | None, int | None]],
    strategy: str,
    then: str,
    clock: int,
) -> None:
    sources = [
        Source(i + 1, 1, q, i)
        if own
        else supplier_source(
            i + 1, 1, q, i, None if lead is None else lead * 100,
            None if lead is None else SupplierTerms(f"S{i}", lead, 600, score, None if score is None else 100),
            clock,
        )
        for i, (q, own, lead, score) in enumerate(held)
    ]  # fmt: skip
    takes, short = plan(quantity, sources, strategy, then)
    held_at = {s.location_id: s.available for s in sources}
    for t in takes:
        assert 0 < t.quantity <= held_at[t.location_id]
    assert len({t.location_id for t in takes}) == len(takes)
    assert sum(t.quantity for t in takes) + short == quantity
    assert short == max(0, quantity - sum(q for q, *_ in held))
    if any(s.available >= quantity for s in sources):
        assert len(takes) == 1  # taken whole when one source covers it
