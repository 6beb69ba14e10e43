"""Stocktakes on SQLite and PostgreSQL: lines per place, counted figures, variance, approval posting
``count`` movements once, blind counts, and nothing posted twice."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests import factories as f
from truecount.adapters.db.engine import Database
from truecount.domain.errors import Forbidden, InvalidInput
from truecount.domain.stocktake import CountLine, StartStocktake, StocktakeClosed
from truecount.services.common.scope import Scope
from truecount.services.stock import levels as stock_service
from truecount.services.stock.stocktakes import (
    approve_stocktake,
    cancel_stocktake,
    record_counts,
    show_stocktake,
    start_stocktake,
)
from truecount.services.stock.verify import verify


def on_hand(db: Database, scope: Scope, sku: str) -> dict[str, int]:
    return {r.location: r.on_hand for r in stock_service.stock(db, scope, sku)}


@pytest.fixture
def warehouse(db: Database, scope: Scope) -> Scope:
    f.location(db, scope, "WH1")
    f.location(db, scope, "WH1-A", parent="WH1")
    f.location(db, scope, "WH1-B", parent="WH1")
    f.location(db, scope, "WH2")
    f.variant(db, scope, "TEE", barcodes=["400000000001"])
    f.variant(db, scope, "MUG")
    f.receive(db, scope, "TEE", 5, "WH1")
    f.receive(db, scope, "TEE", 12, "WH1-A")
    f.receive(db, scope, "MUG", 3, "WH1-B")
    f.receive(db, scope, "MUG", 9, "WH2")
    return scope


def test_a_count_of_a_location_lists_its_shelf_and_bins_and_approval_posts_the_variance(
    db: Database, warehouse: Scope
) -> None:
    scope = warehouse
    take = start_stocktake(db, scope, StartStocktake("WH1"))
    assert [(line.place, line.sku, line.expected) for line in take.lines] == [
        ("WH1", "TEE", 5),
        ("WH1-A", "TEE", 12),
        ("WH1-B", "MUG", 3),
    ]
    sid = take.id
    record_counts(db, scope, sid, [CountLine("TEE", 16, "WH1-A"), CountLine("TEE", 5, "WH1")])
    for _ in range(2):  # two scans of a mug in bin B
        shown = record_counts(db, scope, sid, [CountLine("400000000001", 1, "WH1-B", add=True)])
    shown = record_counts(db, scope, sid, [CountLine("MUG", 2, "WH1-B")])
    by_line = {(line.place, line.sku): (line.counted, line.variance) for line in shown.lines}
    assert by_line == {
        ("WH1", "TEE"): (5, 0),
        ("WH1-A", "TEE"): (16, 4),
        ("WH1-B", "MUG"): (2, -1),
        ("WH1-B", "TEE"): (2, 2),
    }
    assert shown.variance_units == 5
    f.move(db, scope, "adjust", "TEE", "WH1-A", -2, reason="picked")  # stock moves while the count is open
    approved = approve_stocktake(db, scope, sid)
    assert approved.status == "approved"
    assert on_hand(db, scope, "TEE") == {"WH1": 5, "WH1-A": 14, "WH1-B": 2}  # 16 counted, 2 picked since
    assert on_hand(db, scope, "MUG") == {"WH1-B": 2, "WH2": 9}  # WH2 was not counted
    counts = [h for h in stock_service.history(db, scope, "TEE") if h.kind == "count"]
    assert sorted((h.location, h.on_hand_delta) for h in counts) == [("WH1", 0), ("WH1-A", 4), ("WH1-B", 2)]
    assert {h.reference for h in counts} == {f"stocktake:{sid}"}
    with pytest.raises(StocktakeClosed):
        approve_stocktake(db, scope, sid)
    with pytest.raises(StocktakeClosed):
        record_counts(db, scope, sid, [CountLine("TEE", 1, "WH1")])
    assert verify(db, scope) == []


def test_a_blind_count_hides_expected_and_variance_and_only_someone_who_may_see_them_approves(
    db: Database, warehouse: Scope
) -> None:
    scope = warehouse
    sid = start_stocktake(db, scope, StartStocktake("WH1", bins=["WH1-A"], blind=True)).id
    counter_view = record_counts(db, scope, sid, [CountLine("TEE", 11, "WH1-A")], may_see=False)
    assert counter_view.places == ["WH1-A"]
    assert [(line.expected, line.counted, line.variance) for line in counter_view.lines] == [(None, 11, None)]
    with pytest.raises(InvalidInput, match="WH1 is not counted"):
        record_counts(db, scope, sid, [CountLine("TEE", 1, "WH1")])
    with pytest.raises(Forbidden):
        approve_stocktake(db, scope, sid, may_see=False)
    assert show_stocktake(db, scope, sid).lines[0].variance == -1
    approve_stocktake(db, scope, sid, may_see=True)
    assert on_hand(db, scope, "TEE") == {"WH1": 5, "WH1-A": 11}


def test_refusals_write_nothing_and_a_cancelled_count_posts_nothing(db: Database, warehouse: Scope) -> None:
    scope = warehouse
    with pytest.raises(InvalidInput, match="WH2 is not WH1 or one of its bins"):
        start_stocktake(db, scope, StartStocktake("WH1", bins=["WH2"]))
    sid = start_stocktake(db, scope, StartStocktake("WH2")).id
    with pytest.raises(InvalidInput, match="nothing counted"):
        approve_stocktake(db, scope, sid)
    with pytest.raises(InvalidInput, match="counted"):
        record_counts(db, scope, sid, [CountLine("MUG", -1)])
    record_counts(db, scope, sid, [CountLine("MUG", 1)])
    assert cancel_stocktake(db, scope, sid).status == "cancelled"
    assert on_hand(db, scope, "MUG") == {"WH1-B": 3, "WH2": 9}


def test_two_approvals_at_once_post_the_counts_once(db: Database, warehouse: Scope) -> None:
    scope = warehouse
    sid = start_stocktake(db, scope, StartStocktake("WH2")).id
    record_counts(db, scope, sid, [CountLine("MUG", 7)])

    def approve() -> str:
        try:
            return str(approve_stocktake(db, scope, sid).status)
        except StocktakeClosed:
            return "refused"

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(lambda _: approve(), range(2)))
    assert outcomes == ["approved", "refused"]
    assert [h.kind for h in stock_service.history(db, scope, "MUG")].count("count") == 1
    assert on_hand(db, scope, "MUG")["WH2"] == 7
