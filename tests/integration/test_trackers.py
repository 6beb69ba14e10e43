"""Trackers on both backends: figures from the ledger, the upsert key, the list, alerts once per crossing."""

from __future__ import annotations

import json
import threading
from dataclasses import asdict
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests import factories as f
from tests import order_factories as o
from tests import tracker_factories as t
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.trackers import trackers
from truecount.domain.commands import SetTracker
from truecount.domain.errors import InvalidInput, NotFound
from truecount.services.catalog import records as catalog
from truecount.services.common.scope import Scope
from truecount.services.trackers.watch import (
    Tracker,
    TrackerSaved,
    alert_count,
    delete_tracker,
    list_trackers,
    set_tracker,
)


def stocked(db: Database, scope: Scope, sku: str = "TEE", quantity: int = 0) -> str:
    f.location(db, scope, "WH1")
    f.variant(db, scope, sku)
    if quantity:
        f.receive(db, scope, sku, quantity, "WH1")
    return sku


def only(db: Database, scope: Scope) -> Tracker:
    (row,) = list_trackers(db, scope)
    return row


def tracker_count(db: Database, scope: Scope) -> int:
    with db.read() as conn:
        return int(conn.execute(select(func.count()).where(trackers.c.merchant_id == scope.merchant_id)).scalar_one())


def test_stock_quantity_counts_on_hand_of_that_type_in_every_location_saleable_or_not(
    db: Database, scope: Scope
) -> None:
    stocked(db, scope, "TEE", 6)
    f.location(db, scope, "QC", saleable=False)
    f.receive(db, scope, "TEE", 2, "QC")
    f.receive(db, scope, "TEE", 50, "WH1", inventory_type="damaged")  # another condition: not counted
    t.sale(db, scope, "TEE", 3, "WH1")  # booked units are still on hand
    row = t.tracker(db, scope, "TEE", "stock_quantity", below=10)
    assert (row.current, row.threshold, row.health, row.created) == (8, 10.0, 80.0, True)


def test_expiry_days_counts_only_lots_expiring_later_and_stock_without_expiry(db: Database, scope: Scope) -> None:
    stocked(db, scope, "MILK")
    today = date.today()
    f.receive(db, scope, "MILK", 4, "WH1", lot="A", expires_on=today + timedelta(days=5))
    f.receive(db, scope, "MILK", 6, "WH1", lot="B", expires_on=today + timedelta(days=40))
    f.receive(db, scope, "MILK", 2, "WH1", lot="C")  # a lot without an expiry date
    f.receive(db, scope, "MILK", 3, "WH1")  # no lot at all
    with_expiry = t.tracker(db, scope, "MILK", "stock_quantity", below=20, expiry_days=30)
    assert (with_expiry.current, with_expiry.health) == (11, 55.0)
    plain = t.tracker(db, scope, "MILK", "turnover_days", lookback_days=30, coverage_days=10)
    assert plain.current == 15  # no expiry_days: every unit counts


def test_turnover_counts_only_sales_inside_a_window_shorter_than_the_items_history(db: Database, scope: Scope) -> None:
    stocked(db, scope, "TEE", 200)
    t.sale(db, scope, "TEE", 90, "WH1", days_ago=45)  # before the window: ignored
    t.sale(db, scope, "TEE", 20, "WH1", days_ago=29.9)
    t.sale(db, scope, "TEE", 10, "WH1", days_ago=1)
    t.cancel(db, scope, "TEE", 6, "WH1", days_ago=0.5)  # a cancelled line is not a sale
    t.ship(db, scope, "TEE", 4, "WH1")  # shipping does not add a sale
    # sold 20 + 10 − 6 = 24 in 30 days; 15 days of cover → threshold 12; on hand 196 → 1633.3%
    row = t.tracker(db, scope, "TEE", "turnover_days", lookback_days=30, coverage_days=15)
    assert (row.current, row.threshold, row.health, row.reason) == (196, 12.0, 1633.3, None)


def test_turnover_divides_by_the_full_window_when_the_item_is_newer_than_the_window(db: Database, scope: Scope) -> None:
    stocked(db, scope, "NEW", 9)
    t.sale(db, scope, "NEW", 6, "WH1", days_ago=2)  # first sale two days ago, window 30 days
    row = t.tracker(db, scope, "NEW", "turnover_days", lookback_days=30, coverage_days=60)
    # 6 ÷ 30 days × 60 = 12; 9 on hand → 75%
    assert (row.threshold, row.health) == (12.0, 75.0)


def test_turnover_without_sales_in_the_window_is_zero_with_the_reason(db: Database, scope: Scope) -> None:
    stocked(db, scope, "SLOW", 40)
    t.sale(db, scope, "SLOW", 5, "WH1", days_ago=31)
    row = t.tracker(db, scope, "SLOW", "turnover_days", lookback_days=30, coverage_days=7)
    assert (row.current, row.threshold, row.health) == (40, 0.0, 0.0)
    assert row.reason == "no sales in the last 30 days — consider the stock-quantity mechanism"


def test_stalled_days_counts_units_shipped_in_the_window(db: Database, scope: Scope) -> None:
    stocked(db, scope, "TEE", 30)
    t.sale(db, scope, "TEE", 12, "WH1", days_ago=20)
    t.ship(db, scope, "TEE", 4, "WH1", days_ago=15)  # outside a 14-day window
    t.ship(db, scope, "TEE", 3, "WH1", days_ago=10)
    t.ship(db, scope, "TEE", 2, "WH1", days_ago=1)
    row = t.tracker(db, scope, "TEE", "stalled_days", lookback_days=14, quantity=10)
    assert (row.current, row.threshold, row.health, row.reason) == (5, 10.0, 50.0, None)


def test_stalled_days_without_shipments_is_zero_with_the_reason(db: Database, scope: Scope) -> None:
    stocked(db, scope, "TEE", 30)
    t.sale(db, scope, "TEE", 2, "WH1")  # booked, never shipped
    row = t.tracker(db, scope, "TEE", "stalled_days", lookback_days=7, quantity=1)
    assert (row.current, row.health, row.reason) == (0, 0.0, "nothing shipped in the last 7 days")


def test_saving_the_same_key_updates_its_parameters_and_other_keys_add_trackers(db: Database, scope: Scope) -> None:
    stocked(db, scope, "TEE", 5)
    assert t.tracker(db, scope, "TEE", "stock_quantity", below=10).created is True
    again = t.tracker(db, scope, "TEE", "stock_quantity", below=4, expiry_days=3)
    assert again.created is False and again.params == {"below": 4, "expiry_days": 3}
    assert tracker_count(db, scope) == 1
    t.tracker(db, scope, "TEE", "stock_quantity", "damaged", below=1)
    t.tracker(db, scope, "TEE", "stalled_days", lookback_days=7, quantity=1)
    assert tracker_count(db, scope) == 3


def test_a_replayed_key_answers_the_first_tracker_again_as_the_same_type(db: Database, scope: Scope) -> None:
    stocked(db, scope, "TEE", 8)
    cmd = SetTracker("TEE", "good", "stock_quantity", {"below": 10})
    first = set_tracker(db, scope, cmd, key="k-1")
    again = set_tracker(db, scope, cmd, key="k-1")
    assert isinstance(again, TrackerSaved) and again.replayed is True and first.replayed is False
    assert again == TrackerSaved(**{**asdict(first), "replayed": True})
    assert (again.params, again.threshold, again.health, again.created) == ({"below": 10}, 10.0, 80.0, True)


def test_the_list_shows_every_tracker_lowest_health_first(db: Database, scope: Scope) -> None:
    stocked(db, scope, "A", 50)
    f.variant(db, scope, "B")
    f.receive(db, scope, "B", 5, "WH1")
    t.tracker(db, scope, "A", "stock_quantity", below=10)  # 500%
    t.tracker(db, scope, "B", "stock_quantity", below=10)  # 50%
    t.tracker(db, scope, "A", "stalled_days", lookback_days=7, quantity=3)  # 0%
    rows = list_trackers(db, scope)
    assert [(r.sku, r.mechanism, r.health) for r in rows] == [
        ("A", "stalled_days", 0.0),
        ("B", "stock_quantity", 50.0),
        ("A", "stock_quantity", 500.0),
    ]


def test_crossing_below_100_percent_emits_one_alert_and_recovering_one_recovery(db: Database, scope: Scope) -> None:
    stocked(db, scope, "TEE", 12)
    t.tracker(db, scope, "TEE", "stock_quantity", below=10)
    assert t.tracker_events(db, scope) == []
    f.move(db, scope, "adjust", "TEE", "WH1", -4, reason="damaged")  # 8 < 10: crosses
    f.move(db, scope, "adjust", "TEE", "WH1", -1, reason="damaged")  # still below: no new alert
    list_trackers(db, scope)
    topics = [topic for topic, _ in t.tracker_events(db, scope)]
    assert topics == ["tracker_alert"]
    payload = json.loads(t.tracker_events(db, scope)[0][1])
    assert payload | {"params": None} == {
        "sku": "TEE",
        "inventory_type": "good",
        "mechanism": "stock_quantity",
        "params": None,
        "current": 8,
        "threshold": 10.0,
        "health": 80.0,
        "reason": None,
    }
    assert alert_count(db, scope) == 1
    f.receive(db, scope, "TEE", 20, "WH1")
    f.move(db, scope, "adjust", "TEE", "WH1", -25, reason="theft")
    assert [topic for topic, _ in t.tracker_events(db, scope)] == [
        "tracker_alert",
        "tracker_recovered",
        "tracker_alert",
    ]


def test_a_tracker_saved_below_100_percent_alerts_at_once(db: Database, scope: Scope) -> None:
    stocked(db, scope, "TEE", 1)
    t.tracker(db, scope, "TEE", "stock_quantity", below=10)
    t.tracker(db, scope, "TEE", "stock_quantity", below=20)  # still below: no second alert
    assert [topic for topic, _ in t.tracker_events(db, scope)] == ["tracker_alert"]


def test_reading_the_list_notices_a_crossing_nobody_announced_yet(db: Database, scope: Scope) -> None:
    stocked(db, scope, "TEE", 10)
    t.sale(db, scope, "TEE", 5, "WH1", days_ago=3)
    t.ship(db, scope, "TEE", 5, "WH1", days_ago=2)
    t.tracker(db, scope, "TEE", "stalled_days", lookback_days=7, quantity=5)  # 100%: healthy
    # Time passes: the same shipment seen through a 1-day window is outside it.
    with db.write() as conn:
        conn.execute(
            trackers.update()
            .where(trackers.c.merchant_id == scope.merchant_id)
            .values(params='{"lookback_days": 1, "quantity": 5}')
        )
    assert only(db, scope).health == 0.0
    list_trackers(db, scope)
    assert [topic for topic, _ in t.tracker_events(db, scope)] == ["tracker_alert"]


@pytest.mark.parametrize(
    ("cmd", "field"),
    [
        (SetTracker("NOPE", "good", "stock_quantity", {"below": 5}), "sku"),
        (SetTracker("TEE", "mint", "stock_quantity", {"below": 5}), "inventory_type"),
        (SetTracker("TEE", "good", "stock_quantity", {}), "params.below"),
        (SetTracker("TEE", "good", "stock_quantity", {"below": 0}), "params.below"),
        (
            SetTracker("TEE", "good", "turnover_days", {"lookback_days": 30, "coverage_days": 7, "below": 3}),
            "params.below",
        ),
        (SetTracker("TEE", "good", "stalled_days", {"lookback_days": -1, "quantity": 2}), "params.lookback_days"),
        (SetTracker("TEE", "good", "sometimes", {}), "mechanism"),
        (SetTracker("", "good", "stock_quantity", {"below": 5}), "sku"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_saved(
    db: Database, scope: Scope, cmd: SetTracker, field: str
) -> None:
    stocked(db, scope, "TEE", 5)
    with pytest.raises((InvalidInput, NotFound)) as refused:
        set_tracker(db, scope, cmd)
    assert refused.value.field == field
    assert tracker_count(db, scope) == 0


def test_a_non_inventory_item_cannot_be_tracked(db: Database, scope: Scope) -> None:
    f.variant(db, scope, "GIFT", tracked=False)
    with pytest.raises(InvalidInput) as refused:
        t.tracker(db, scope, "GIFT", "stock_quantity", below=1)
    assert refused.value.field == "sku" and "not tracked" in refused.value.message
    assert tracker_count(db, scope) == 0


def test_deleting_a_tracker_stops_watching_and_an_unknown_one_is_refused(db: Database, scope: Scope) -> None:
    stocked(db, scope, "TEE", 5)
    catalog.add_inventory_type(db, scope, "used", True)
    t.tracker(db, scope, "TEE", "stock_quantity", below=3)
    t.tracker(db, scope, "TEE", "stock_quantity", "used", below=3)
    delete_tracker(db, scope, "TEE", "good", "stock_quantity")
    assert [(r.sku, r.inventory_type) for r in list_trackers(db, scope)] == [("TEE", "used")]
    with pytest.raises(NotFound) as refused:
        delete_tracker(db, scope, "TEE", "good", "stock_quantity")
    assert refused.value.field == "mechanism"


def test_concurrent_readers_announce_a_crossing_once(db: Database, scope: Scope) -> None:
    stocked(db, scope, "TEE", 3)
    t.tracker(db, scope, "TEE", "stock_quantity", below=10)  # alerts at once
    with db.write() as conn:  # as if the crossing had not been announced yet
        conn.execute(trackers.update().where(trackers.c.merchant_id == scope.merchant_id).values(alerting=False))
    barrier = threading.Barrier(4)
    failures: list[BaseException] = []

    def reader() -> None:
        try:
            barrier.wait(timeout=10)
            list_trackers(db, scope)
        except BaseException as error:  # surfaced below
            failures.append(error)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert failures == []
    assert [topic for topic, _ in t.tracker_events(db, scope)] == ["tracker_alert", "tracker_alert"]


def test_the_orders_service_s_bookings_cancellations_and_shipments_feed_the_trackers(
    db: Database, scope: Scope
) -> None:
    o.shop(db, scope, "TEE")
    f.receive(db, scope, "TEE", 20, "WH1")
    t.tracker(db, scope, "TEE", "turnover_days", lookback_days=30, coverage_days=30)
    t.tracker(db, scope, "TEE", "stalled_days", lookback_days=7, quantity=4)
    kept = o.order(db, scope, "A-1", ("TEE", 3))
    dropped = o.order(db, scope, "A-2", ("TEE", 5))
    o.change(db, scope, "cancel", dropped.id)
    o.change(db, scope, "fulfil", kept.id)
    rows = {r.mechanism: r for r in list_trackers(db, scope)}
    # sold 3 (5 cancelled) in 30 days × 30 days of cover = threshold 3; 17 on hand after shipping 3 → 566.7%
    assert (rows["turnover_days"].current, rows["turnover_days"].threshold) == (17, 3.0)
    assert rows["turnover_days"].health == 566.7
    # 3 shipped of the 4 expected in 7 days → 75%
    assert (rows["stalled_days"].current, rows["stalled_days"].health) == (3, 75.0)
