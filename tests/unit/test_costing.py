"""The cost rules (pure): a variant's known cost, a work order's consumed cost and a kit's cost."""

from __future__ import annotations

from decimal import Decimal

from truecount.domain.costing import Consumed, CostSoFar, add_consumed, kit_unit_cost, known_cost


def test_a_variants_own_cost_comes_before_its_cheapest_supplier_quote() -> None:
    assert known_cost(Decimal("2"), [Decimal("1"), Decimal("0.5")]) == Decimal("2")
    assert known_cost(Decimal("0"), [Decimal("1")]) == Decimal("0")  # a free component is a known cost
    assert known_cost(None, [Decimal("1"), Decimal("0.5")]) == Decimal("0.5")
    assert known_cost(None, []) is None


def test_consumed_costs_add_up_and_one_unknown_component_makes_them_unknown_for_good() -> None:
    first = add_consumed(
        CostSoFar(Decimal(0)), [Consumed("BOX", 4, Decimal("1.25")), Consumed("CARD", 2, Decimal("0.5"))]
    )
    assert first == CostSoFar(Decimal("6.00"))
    unknown = add_consumed(first, [Consumed("BOX", 2, Decimal("1.25")), Consumed("CARD", 1, None)])
    assert unknown == CostSoFar(None, "CARD has no cost")
    assert add_consumed(unknown, [Consumed("CARD", 1, Decimal("0.5"))]) == unknown
    assert add_consumed(first, [Consumed("CARD", 0, None)]) == first  # nothing of it consumed


def test_a_kit_costs_the_consumed_cost_over_the_kits_produced_to_four_places() -> None:
    assert kit_unit_cost(Decimal("10"), 3) == Decimal("3.3333")
    assert kit_unit_cost(Decimal("0.00005"), 1) == Decimal("0.0001")  # half up
    assert kit_unit_cost(Decimal("10"), 0) is None
    assert kit_unit_cost(None, 3) is None
