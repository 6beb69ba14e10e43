"""The pure rules of kits: bills, cycles, releases planned by the booking rule, completions, kit
lots, and a raw material's offer."""

from __future__ import annotations

from datetime import date

import pytest

from truecount.domain.assembly import (
    Part,
    check_act,
    check_bill,
    check_completion,
    find_cycle,
    kit_expiry,
    kit_lot,
    plan_release,
)
from truecount.domain.booking.sources import PRIORITY, Take
from truecount.domain.booking.view import ChannelSources
from truecount.domain.errors import Conflict, InvalidInput
from truecount.domain.offers import ComponentOffer, PoolLine, VariantFacts, offer

TODAY = date(2026, 12, 6)


def test_a_cycle_is_found_through_any_depth_and_only_when_the_kit_comes_back() -> None:
    bills = {2: [3], 3: [4], 5: [1]}
    assert find_cycle(1, [2], {**bills, 4: [1]}) == [1, 2, 3, 4, 1]
    assert find_cycle(1, [2], bills) is None  # 5 contains 1: a cycle only when 1 is given 5
    assert find_cycle(1, [2, 5], bills) == [1, 5, 1]
    assert find_cycle(7, [8, 8], {}) is None


@pytest.mark.parametrize(
    ("mode", "parts", "field"),
    [
        ("soon", [Part("A", 1)], "mode"),
        ("ahead", [], "components"),
        ("ahead", [Part("K", 1)], "components[0].sku"),
        ("ahead", [Part("A", 1), Part("A", 1)], "components[1].sku"),
        ("both", [Part("A", 100_001)], "components[0].quantity"),
        ("both", [Part("A", True)], "components[0].quantity"),  # type: ignore[arg-type]
    ],
)
def test_a_bad_bill_names_its_field(mode: str, parts: list[Part], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_bill("K", mode, parts)
    assert refused.value.field == field


def test_a_release_takes_each_component_where_the_booking_rule_does_and_says_what_is_short() -> None:
    sources = ChannelSources("wo", 0, PRIORITY, {(1, 1): 0, (2, 1): 1})  # the location, then its bin
    free = {10: {(1, 1): 3, (2, 1): 5}, 11: {(2, 1): 1}}
    plan = plan_release([(10, 2), (11, 1)], 3, free, sources)
    assert [(p.variant_id, p.takes, p.short) for p in plan] == [
        (10, [Take(1, 1, 3), Take(2, 1, 3)], 0),  # no place holds 6: split in rank order
        (11, [Take(2, 1, 1)], 2),
    ]


def test_only_some_acts_fit_each_status() -> None:
    check_act("release", "draft", 1)
    check_act("complete", "in_progress", 1)
    for act, status in (("release", "released"), ("complete", "draft"), ("cancel", "done"), ("cancel", "cancelled")):
        with pytest.raises(Conflict):
            check_act(act, status, 1)


def test_a_completion_needs_something_done_a_reason_for_scrap_and_no_more_than_is_open() -> None:
    check_completion(5, 3, 2, "dropped", max_quantity=100)
    for args, field in (((5, 0, 0, None), "quantity"), ((5, 1, 1, " "), "reason"), ((5, 4, 2, "x"), "quantity"),
                        ((5, -1, 0, None), "quantity")):  # fmt: skip
        with pytest.raises(InvalidInput) as refused:
            check_completion(*args, max_quantity=100)
        assert refused.value.field == field


def test_a_kit_lot_expires_with_its_earliest_component_and_has_none_when_nothing_expires() -> None:
    assert kit_expiry([(date(2031, 1, 1), 2), (None, 5), (date(2030, 6, 1), 1)]) == date(2030, 6, 1)
    assert kit_expiry([(None, 3)]) is None
    assert kit_lot(7, date(2030, 6, 1)) == "WO7-20300601"
    assert kit_lot(7, None) == ""


def test_a_raw_material_is_offered_nothing_but_a_bundle_still_counts_what_it_makes() -> None:
    lines = [PoolLine("WH", "good", 12, 0)]
    raw = offer(lines, None, VariantFacts(for_sale=False), today=TODAY, always_in_stock=0)
    assert (raw.quantity, raw.before_cap) == (0, 12)
    assert raw.steps[-1]["step"] == "not for sale (a raw material)"
    pack = offer([], None, VariantFacts(), today=TODAY, always_in_stock=0, components=[ComponentOffer("B", 5, raw)])
    assert pack.quantity == 2
