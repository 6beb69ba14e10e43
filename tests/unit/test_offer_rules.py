"""The offer rules (docs/offers.md), each on its own and combined, the variant flags, bundles and properties."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from truecount.domain.errors import InvalidInput
from truecount.domain.listing_refs import check_rule, normalise_ref
from truecount.domain.offers import ComponentOffer, PoolLine, Rule, VariantFacts, offer

TODAY = date(2026, 11, 23)


def lines(*available: int) -> list[PoolLine]:
    return [PoolLine(f"L{n}", "good", qty, 0) for n, qty in enumerate(available)]


def offered(pool: int, rule: Rule | None, facts: VariantFacts | None = None, **kwargs: object) -> int:
    found = offer(lines(pool), rule, facts or VariantFacts(), today=TODAY, always_in_stock=99, **kwargs)  # type: ignore[arg-type]
    return found.quantity


@pytest.mark.parametrize(
    ("pool", "rule", "expected"),
    [
        (50, None, 50),
        (50, Rule("reserve", 10), 40),
        (5, Rule("reserve", 10), 0),
        (50, Rule("stop_sell"), 0),
        (50, Rule("fixed", 7), 7),
        (0, Rule("fixed", 7), 7),
        (50, Rule("cap", 20), 20),
        (10, Rule("cap", 20), 10),
        (50, Rule("percent", percent=Decimal(30)), 15),
        (10, Rule("percent", percent=Decimal(33)), 3),  # floor
        (7, Rule("percent", percent=Decimal("12.5")), 0),
        (0, Rule("prebook", 40), 40),
        (100, Rule("prebook", 40), 40),  # prebook ignores the pool
    ],
)
def test_each_rule_on_its_own(pool: int, rule: Rule | None, expected: int) -> None:
    assert offered(pool, rule) == expected


@pytest.mark.parametrize(
    ("pool", "rule", "expected"),
    [
        (100, Rule("percent", percent=Decimal(50), reserve=10), 40),  # percent first, then reserve
        (100, Rule("percent", percent=Decimal(50), reserve=60), 0),  # not below 0
        (100, Rule("percent", percent=Decimal(50), reserve=10, cap=25), 25),  # cap last
        (100, Rule("reserve", 10, cap=50), 50),
        (40, Rule("reserve", 10, cap=50), 30),
        (0, Rule("prebook", 40, cap=30), 30),
    ],
)
def test_rules_combine_in_the_order_base_percent_reserve_floor_cap(pool: int, rule: Rule, expected: int) -> None:
    assert offered(pool, rule) == expected


@pytest.mark.parametrize(("booked", "expected"), [(0, 40), (6, 34), (40, 0), (55, 0)])
def test_prebook_offers_the_quantity_less_the_open_orders(booked: int, expected: int) -> None:
    assert offered(0, Rule("prebook", 40), VariantFacts(booked_open=booked)) == expected


def test_percent_of_a_named_location_uses_that_location_only() -> None:
    found = offer(
        [PoolLine("WH", "good", 100, 0), PoolLine("SUPPLIER", "good", 50, 10)],
        Rule("percent", percent=Decimal(30), location="SUPPLIER"),
        VariantFacts(),
        today=TODAY,
        always_in_stock=0,
    )
    assert found.quantity == 12  # 30% of 40
    assert found.pool == 140


def test_the_pool_excludes_booked_and_expired_stock_and_never_counts_a_line_below_zero() -> None:
    found = offer(
        [PoolLine("A", "good", 10, 3, expired=4), PoolLine("B", "good", 5, 2, expired=5)],
        None,
        VariantFacts(),
        today=TODAY,
        always_in_stock=0,
    )
    assert found.quantity == 3  # A: 10 − 4 − 3 = 3; B: 5 − 5 − 2 < 0 → 0


@pytest.mark.parametrize(
    ("rule", "facts", "expected"),
    [
        (None, VariantFacts(tracked=False), 99),
        (Rule("stop_sell"), VariantFacts(tracked=False), 0),
        (Rule("cap", 10), VariantFacts(tracked=False), 10),
        (None, VariantFacts(sellable_from=date(2026, 12, 1)), 0),
        (Rule("fixed", 5), VariantFacts(sellable_from=date(2026, 12, 1)), 0),
        (Rule("prebook", 40), VariantFacts(sellable_from=date(2026, 12, 1), booked_open=4), 36),
        (None, VariantFacts(sellable_from=TODAY), 20),  # from today on it sells
        (Rule("fixed", 500), VariantFacts(discontinued=True), 20),  # never more than the pool
        (Rule("prebook", 40), VariantFacts(discontinued=True), 20),
        (Rule("reserve", 5), VariantFacts(discontinued=True), 15),
    ],
)
def test_variant_flags(rule: Rule | None, facts: VariantFacts, expected: int) -> None:
    assert offered(20, rule, facts) == expected


def component(sku: str, available: int, rule: Rule | None, per_bundle: int) -> ComponentOffer:
    result = offer(lines(available), rule, VariantFacts(), today=TODAY, always_in_stock=0)
    return ComponentOffer(sku, per_bundle, result)


@pytest.mark.parametrize(
    ("reserve", "available", "per_bundle", "expected"),
    [(40, 200, 10, 16), (40, 200, 20, 8), (50, 60, 10, 1), (50, 60, 20, 0)],
)
def test_the_spec_bundle_example(reserve: int, available: int, per_bundle: int, expected: int) -> None:
    bottle = component("BOTTLE", available, Rule("reserve", reserve), per_bundle)
    assert bottle.offer.quantity == available - reserve
    assert offered(0, None, components=[bottle]) == expected


def test_a_bundle_takes_the_scarcest_component_before_its_cap_and_adds_assembled_stock() -> None:
    capped = component("A", 100, Rule("cap", 5), 2)  # offered 5, but 100 before its cap → 50 packs
    scarce = component("B", 9, None, 3)  # 3 packs
    found = offer(lines(2), None, VariantFacts(), today=TODAY, always_in_stock=0, components=[capped, scarce])
    assert capped.offer.quantity == 5
    assert found.quantity == 5  # 2 assembled + 3 from components
    assert [c["bundles"] for c in found.explain()["components"]] == [50, 3]


def test_a_stopped_component_stops_the_bundle() -> None:
    stopped = component("A", 100, Rule("stop_sell"), 1)
    assert offered(0, None, components=[stopped, component("B", 10, None, 1)]) == 0


def test_the_explanation_names_the_pool_lines_the_rule_and_each_step() -> None:
    found = offer(
        [PoolLine("WH1", "good", 150, 10), PoolLine("WH2", "used", 60, 0)],
        Rule("reserve", 40),
        VariantFacts(),
        today=TODAY,
        always_in_stock=0,
    )
    explain = found.explain()
    assert explain["pool"]["total"] == 200
    assert explain["pool"]["by_location"][0] == {
        "location": "WH1",
        "inventory_type": "good",
        "on_hand": 150,
        "booked": 10,
        "expired": 0,
        "available": 140,
    }
    assert explain["rule"] == {"kind": "reserve", "quantity": 40}
    assert [s["quantity"] for s in explain["steps"]] == [200, 160, 160]
    assert explain["quantity"] == 160


POOL_RULES = st.one_of(
    st.none(),
    st.builds(Rule, st.just("reserve"), st.integers(0, 500)),
    st.builds(Rule, st.just("cap"), st.integers(0, 500)),
    st.builds(Rule, st.just("stop_sell")),
    st.builds(
        lambda p, r, c: Rule("percent", percent=Decimal(p), reserve=r, cap=c),
        st.integers(0, 100),
        st.none() | st.integers(0, 100),
        st.none() | st.integers(0, 100),
    ),
)
ANY_RULE = POOL_RULES | st.builds(Rule, st.sampled_from(["fixed", "prebook"]), st.integers(0, 500))
FACTS = st.builds(
    VariantFacts,
    tracked=st.booleans(),
    discontinued=st.booleans(),
    sellable_from=st.none() | st.dates(date(2026, 11, 1), date(2026, 12, 31)),
    booked_open=st.integers(0, 100),
)
LINES = st.lists(
    st.builds(PoolLine, st.sampled_from(["A", "B"]), st.just("good"), st.integers(0, 300), st.integers(0, 300)),
    max_size=4,
)


@given(LINES, ANY_RULE, FACTS)
def test_an_offer_is_never_negative(pool_lines: list[PoolLine], rule: Rule | None, facts: VariantFacts) -> None:
    assert offer(pool_lines, rule, facts, today=TODAY, always_in_stock=10).quantity >= 0


@given(LINES, ANY_RULE, FACTS)
def test_an_offer_is_never_above_the_pool_unless_fixed_prebook_or_untracked(
    pool_lines: list[PoolLine], rule: Rule | None, facts: VariantFacts
) -> None:
    found = offer(pool_lines, rule, facts, today=TODAY, always_in_stock=10)
    exempt = (rule is not None and rule.kind in ("fixed", "prebook")) or not facts.tracked
    if not exempt:
        assert found.quantity <= sum(line.available for line in pool_lines)


@given(LINES, POOL_RULES, st.integers(0, 50), st.integers(0, 1))
def test_pool_based_rules_are_monotone_in_stock(
    pool_lines: list[PoolLine], rule: Rule | None, more: int, which: int
) -> None:
    base = [*pool_lines, PoolLine("A", "good", 0, 0)]
    grown = list(base)
    grown[-1 if which else 0] = PoolLine(
        base[-1 if which else 0].location,
        "good",
        base[-1 if which else 0].on_hand + more,
        base[-1 if which else 0].booked,
    )
    before = offer(base, rule, VariantFacts(), today=TODAY, always_in_stock=0).quantity
    after = offer(grown, rule, VariantFacts(), today=TODAY, always_in_stock=0).quantity
    assert after >= before


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": "hold"}, "kind"),
        ({"kind": "reserve"}, "quantity"),
        ({"kind": "reserve", "quantity": -1}, "quantity"),
        ({"kind": "reserve", "quantity": True}, "quantity"),
        ({"kind": "stop_sell", "quantity": 3}, "quantity"),
        ({"kind": "percent"}, "percent"),
        ({"kind": "percent", "percent": 101}, "percent"),
        ({"kind": "percent", "percent": "12.345"}, "percent"),
        ({"kind": "percent", "percent": 10, "quantity": 3}, "quantity"),
        ({"kind": "fixed", "quantity": 3, "cap": 2}, "cap"),
        ({"kind": "cap", "quantity": 3, "location": "WH"}, "location"),
    ],
)
def test_a_rule_takes_exactly_what_its_kind_needs(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_rule(**kwargs)  # type: ignore[arg-type]
    assert refused.value.field == field


@pytest.mark.parametrize(
    ("kind", "ref", "config", "text"),
    [
        ("shopify", {"inventory_item_id": "gid://shopify/InventoryItem/11", "location_id": 22}, {}, "11@22"),
        ("shopify", "11", {"location_id": "22"}, "11@22"),
        ("amazon", {"seller_sku": "BOTTLE-1", "marketplace_id": "A1PA6795UKMFR9"}, {}, "BOTTLE-1"),
        ("ebay", {"sku": "BOTTLE-1", "offer_id": "123"}, {}, "BOTTLE-1"),
        ("woocommerce", {"product_id": 5, "variation_id": 9}, {}, "5/9"),
        ("woocommerce", "5", {}, "5"),
        ("manual", "anything", {}, "anything"),
    ],
)
def test_listing_references_take_each_channels_own_shape(
    kind: str, ref: str | dict[str, object], config: dict[str, object], text: str
) -> None:
    assert normalise_ref(kind, ref, config)[0] == text


@pytest.mark.parametrize(
    ("kind", "ref"),
    [
        ("shopify", "11"),  # no location, none configured
        ("shopify", {"inventory_item_id": "abc", "location_id": "2"}),
        ("amazon", {"seller_sku": "x" * 41}),
        ("woocommerce", "5/x"),
        ("woocommerce", {"product": 5}),
        ("pos", {"ref": "x"}),
    ],
)
def test_a_malformed_listing_reference_is_refused(kind: str, ref: str | dict[str, object]) -> None:
    with pytest.raises(InvalidInput) as refused:
        normalise_ref(kind, ref, {})
    assert refused.value.field.startswith("external_ref")  # type: ignore[union-attr]
