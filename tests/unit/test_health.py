"""The three health mechanisms (docs/trackers.md) against hand-computed cases, and the parameter checks."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from truecount.domain.errors import InvalidInput
from truecount.domain.health import Figures, Mechanism, check_params, counted_stock, evaluate, parse_mechanism

SQ, TD, SD = Mechanism.STOCK_QUANTITY, Mechanism.TURNOVER_DAYS, Mechanism.STALLED_DAYS
TODAY = date(2026, 11, 23)


def figures(stock: int = 0, sold: int = 0, shipped: int = 0, total: int | None = None) -> Figures:
    return Figures(stock=stock, stock_total=stock if total is None else total, sold=sold, shipped=shipped)


def test_stock_quantity_health_is_stock_over_below() -> None:
    result = evaluate(SQ, {"below": 40}, figures(stock=30))
    assert (result.current, result.threshold, result.health, result.reason) == (30, 40.0, 75.0, None)
    assert result.alerting


def test_stock_quantity_at_exactly_the_safety_stock_is_healthy() -> None:
    result = evaluate(SQ, {"below": 40}, figures(stock=40))
    assert result.health == 100.0 and not result.alerting


def test_stock_quantity_health_is_rounded_half_up_to_one_decimal() -> None:
    # 1 ÷ 3 × 100 = 33.333… → 33.3; 1 ÷ 8 × 100 = 12.5 exactly; 1 ÷ 16 × 100 = 6.25 → 6.3 (half up)
    assert evaluate(SQ, {"below": 3}, figures(stock=1)).health == 33.3
    assert evaluate(SQ, {"below": 8}, figures(stock=1)).health == 12.5
    assert evaluate(SQ, {"below": 16}, figures(stock=1)).health == 6.3


def test_stock_quantity_is_not_capped_at_100() -> None:
    assert evaluate(SQ, {"below": 4}, figures(stock=10)).health == 250.0


def test_turnover_threshold_is_average_daily_sales_times_coverage() -> None:
    # 60 sold in 30 days = 2 a day; 14 days of cover → threshold 28; 21 on hand → 75%
    result = evaluate(TD, {"lookback_days": 30, "coverage_days": 14}, figures(stock=21, sold=60))
    assert (result.current, result.threshold, result.health, result.reason) == (21, 28.0, 75.0, None)


def test_turnover_with_a_fractional_threshold() -> None:
    # 10 sold in 30 days, 14 days of cover → threshold 140/30 = 4.666… (4.67); 7 on hand → 150%
    result = evaluate(TD, {"lookback_days": 30, "coverage_days": 14}, figures(stock=7, sold=10))
    assert result.threshold == 4.67
    assert result.health == 150.0


def test_turnover_without_sales_is_zero_with_a_reason_suggesting_stock_quantity() -> None:
    result = evaluate(TD, {"lookback_days": 30, "coverage_days": 14}, figures(stock=500, sold=0))
    assert result.health == 0.0 and result.threshold == 0.0 and result.current == 500
    assert result.reason == "no sales in the last 30 days — consider the stock-quantity mechanism"


def test_turnover_with_sales_but_no_stock_is_zero_without_a_no_data_reason() -> None:
    result = evaluate(TD, {"lookback_days": 7, "coverage_days": 7}, figures(stock=0, sold=7))
    assert (result.threshold, result.health, result.reason) == (7.0, 0.0, None)


def test_stalled_days_health_is_units_shipped_over_quantity_and_current_shows_shipped() -> None:
    result = evaluate(SD, {"lookback_days": 30, "quantity": 20}, figures(stock=999, shipped=5))
    assert (result.current, result.threshold, result.health, result.reason) == (5, 20.0, 25.0, None)


def test_stalled_days_with_no_shipments_is_zero_and_says_so() -> None:
    result = evaluate(SD, {"lookback_days": 1, "quantity": 3}, figures(stock=50))
    assert (result.current, result.health) == (0, 0.0)
    assert result.reason == "nothing shipped in the last day"


def test_counting_with_expiry_days_keeps_lots_expiring_more_than_n_days_ahead_and_undated_stock() -> None:
    lots = [
        (TODAY + timedelta(days=10), 4),  # exactly 10 days ahead: not MORE than 10 → left out
        (TODAY + timedelta(days=11), 5),
        (TODAY - timedelta(days=1), 7),  # already expired
        (None, 3),  # no expiry date: always counts
    ]
    assert counted_stock(lots, TODAY, 10) == 8
    assert counted_stock(lots, TODAY, 0) == 4 + 5 + 3  # 0: everything not yet expired
    assert counted_stock(lots, TODAY, None) == 19


def test_stock_without_expiry_dates_always_counts() -> None:
    assert counted_stock([(None, 12)], TODAY, 3650) == 12


def test_when_every_unit_expires_too_soon_the_reason_says_so() -> None:
    result = evaluate(SQ, {"below": 10, "expiry_days": 30}, figures(stock=0, total=12))
    assert result.health == 0.0
    assert result.reason == "all 12 on hand expire within 30 days"


def test_parameters_are_checked_and_returned_as_whole_numbers() -> None:
    assert check_params(SQ, {"below": 5}) == {"below": 5}
    assert check_params(TD, {"lookback_days": 30, "coverage_days": 7, "expiry_days": 0}) == {
        "lookback_days": 30,
        "coverage_days": 7,
        "expiry_days": 0,
    }


@pytest.mark.parametrize(
    ("mechanism", "params", "field", "words"),
    [
        (SQ, {}, "params.below", "is required for stock_quantity"),
        (SQ, {"below": 0}, "params.below", "must be positive"),
        (SQ, {"below": -3}, "params.below", "must be positive"),
        (SQ, {"below": 2.5}, "params.below", "whole number"),
        (SQ, {"below": "5"}, "params.below", "whole number"),
        (SQ, {"below": True}, "params.below", "whole number"),
        (SQ, {"below": 5, "expiry_days": -1}, "params.expiry_days", "0 or more"),
        (TD, {"lookback_days": 30}, "params.coverage_days", "is required"),
        (TD, {"lookback_days": 0, "coverage_days": 7}, "params.lookback_days", "must be positive"),
        (TD, {"lookback_days": 30, "coverage_days": 7, "below": 5}, "params.below", "belongs to stock_quantity"),
        (SD, {"lookback_days": 30, "quantity": 5, "expiry_days": 3}, "params.expiry_days", "not to stalled_days"),
        (SD, {"lookback_days": 30}, "params.quantity", "is required"),
        (SD, {"lookback_days": 30, "quantity": 5, "colour": 1}, "params.colour", "is not a parameter"),
        (SD, {"lookback_days": 3651, "quantity": 5}, "params.lookback_days", "at most 3650"),
    ],
)
def test_bad_parameters_are_refused_naming_the_field(
    mechanism: Mechanism, params: dict[str, object], field: str, words: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_params(mechanism, params)
    assert refused.value.field == field
    assert words in refused.value.message


def test_an_unknown_mechanism_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_mechanism("vibes")
    assert refused.value.field == "mechanism"


@given(stock=st.integers(0, 10_000), below=st.integers(1, 10_000))
def test_stock_quantity_alerts_exactly_when_stock_is_below_the_safety_stock(stock: int, below: int) -> None:
    assert evaluate(SQ, {"below": below}, figures(stock=stock)).alerting == (stock < below)


@given(stock=st.integers(0, 10_000), sold=st.integers(1, 10_000), days=st.integers(1, 365), cover=st.integers(1, 365))
def test_turnover_alerts_exactly_when_stock_does_not_cover_the_days(
    stock: int, sold: int, days: int, cover: int
) -> None:
    # health < 100 ⇔ stock < sold / days × cover ⇔ stock × days < sold × cover (exact, before rounding)
    health = evaluate(TD, {"lookback_days": days, "coverage_days": cover}, figures(stock=stock, sold=sold))
    if stock * days < sold * cover:
        assert health.health <= 100.0
    else:
        assert not health.alerting
