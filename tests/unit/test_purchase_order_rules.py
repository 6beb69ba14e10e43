"""The purchase order rules on their own: acts by state, send schedules, lateness, reliability."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from truecount.domain import purchase_orders as rules
from truecount.domain.errors import Conflict, InvalidInput

MIDDAY = datetime(2026, 3, 4, 12, 30)


@pytest.mark.parametrize(
    ("state", "act", "allowed"),
    [
        ("draft", "send", True), ("sent", "send", False), ("sent", "acknowledge", True),
        ("draft", "acknowledge", False), ("acknowledged", "cancel", True), ("shipped", "cancel", False),
        ("closed", "ship", False), ("acknowledged", "ship", True), ("cancelled", "acknowledge", False),
    ],
)  # fmt: skip
def test_an_act_is_allowed_only_from_its_states_and_refused_naming_the_state(
    state: str, act: str, allowed: bool
) -> None:
    if allowed:
        rules.check_act("PO-000001", state, act)
        return
    with pytest.raises(Conflict) as refused:
        rules.check_act("PO-000001", state, act)
    assert refused.value.field == "state" and f"is {state}" in refused.value.message


def test_schedules_read_now_a_daily_time_or_every_n_hours_and_refuse_anything_else() -> None:
    assert not rules.parse_schedule("now").collects
    assert rules.parse_schedule("17:05") == rules.Schedule(at=(17, 5))
    assert rules.parse_schedule("4h") == rules.Schedule(every_hours=4)
    for bad in ("", "24:00", "0h", "25h", "daily", "7"):
        with pytest.raises(InvalidInput) as refused:
            rules.parse_schedule(bad)
        assert refused.value.field == "send"


def test_the_next_send_is_today_at_the_time_or_tomorrow_once_it_passed() -> None:
    assert rules.next_send(rules.Schedule(at=(17, 0)), MIDDAY) == MIDDAY.replace(hour=17, minute=0)
    assert rules.next_send(rules.Schedule(at=(9, 0)), MIDDAY) == datetime(2026, 3, 5, 9, 0)
    assert rules.next_send(rules.Schedule(every_hours=4), MIDDAY) == MIDDAY.replace(hour=16, minute=0)
    assert rules.next_send(rules.Schedule(every_hours=5), datetime(2026, 3, 4, 22, 0)) == datetime(2026, 3, 5)
    assert rules.next_send(rules.Schedule(), MIDDAY) == MIDDAY


@given(st.integers(1, 24), st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1)))
def test_every_n_hours_sends_within_n_hours_and_never_in_the_past(hours: int, after: datetime) -> None:
    at = rules.next_send(rules.Schedule(every_hours=hours), after)
    assert after < at <= after + timedelta(hours=hours)


def test_a_purchase_order_is_late_once_its_lead_time_passed_without_shipping() -> None:
    sent = rules.Facts(MIDDAY, None, None, "sent")
    assert rules.lateness(sent, 2, MIDDAY + timedelta(days=1)) is None
    assert "acknowledged nor shipped" in (rules.lateness(sent, 2, MIDDAY + timedelta(days=2)) or "")
    acked = rules.Facts(MIDDAY, MIDDAY, None, "acknowledged")
    assert "not shipped" in (rules.lateness(acked, 0, MIDDAY + timedelta(days=1)) or "")
    assert rules.lateness(rules.Facts(MIDDAY, MIDDAY, MIDDAY, "shipped"), 0, MIDDAY + timedelta(days=9)) is None
    assert rules.lateness(rules.Facts(None, None, None, "draft"), 0, MIDDAY + timedelta(days=9)) is None
    assert rules.follow_up_due(None, MIDDAY) and not rules.follow_up_due(MIDDAY, MIDDAY + timedelta(hours=23))


def test_reliability_counts_the_shipped_within_the_lead_time_and_the_average_days() -> None:
    history = [
        rules.Facts(MIDDAY, None, MIDDAY + timedelta(days=1), "shipped"),
        rules.Facts(MIDDAY, None, MIDDAY + timedelta(days=3), "closed"),
        rules.Facts(MIDDAY, None, None, "sent"),
    ]
    assert rules.reliability(history, 2) == rules.Reliability(3, 2, 50.0, 2.0)
    assert rules.reliability([], 2) == rules.Reliability(0, 0, None, None)
