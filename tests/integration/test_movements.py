"""The ledger write path on SQLite and PostgreSQL: every accepted act moves the levels, every refusal writes nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import func, select

from tests import factories as f
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.ledger import movements
from truecount.domain.commands import PostMovement
from truecount.domain.errors import IdempotencyConflict, InsufficientStock, InvalidInput, NotFound
from truecount.services.common.scope import Scope
from truecount.services.stock import levels as stock_service
from truecount.services.stock.movements import MovementRecorded, post_movement
from truecount.services.stock.verify import verify


def ledger_size(db: Database, scope: Scope) -> int:
    with db.read() as conn:
        return int(conn.execute(select(func.count()).where(movements.c.merchant_id == scope.merchant_id)).scalar_one())


def level(db: Database, scope: Scope, sku: str, at: str) -> tuple[int, int]:
    rows = [r for r in stock_service.stock(db, scope, sku) if r.location == at]
    return (rows[0].on_hand, rows[0].available) if rows else (0, 0)


@pytest.fixture
def shop(db: Database, scope: Scope) -> Scope:
    f.location(db, scope, "WH1")
    f.location(db, scope, "WH1-A", parent="WH1")
    f.location(db, scope, "WH2")
    f.variant(db, scope, "TEE-M", barcodes=["400000000001"])
    return scope


def test_receiving_adds_to_on_hand_and_writes_one_movement(db: Database, shop: Scope) -> None:
    f.receive(db, shop, "TEE-M", 7, "WH1")
    f.receive(db, shop, "400000000001", 3, "WH1")  # by barcode
    assert level(db, shop, "TEE-M", "WH1") == (10, 10)
    assert ledger_size(db, shop) == 2
    assert verify(db, shop) == []


def test_a_transfer_moves_stock_out_and_in_within_one_transaction(db: Database, shop: Scope) -> None:
    f.receive(db, shop, "TEE-M", 10, "WH1")
    f.move(db, shop, "transfer", "TEE-M", "WH1", 4, to_location="WH2")
    assert level(db, shop, "TEE-M", "WH1") == (6, 6)
    assert level(db, shop, "TEE-M", "WH2") == (4, 4)
    kinds = [m.kind for m in stock_service.history(db, shop, "TEE-M")]
    assert kinds == ["transfer_in", "transfer_out", "receive"]


def test_a_transfer_of_more_than_is_available_is_refused_and_writes_nothing(db: Database, shop: Scope) -> None:
    f.receive(db, shop, "TEE-M", 3, "WH1")
    before = ledger_size(db, shop)
    with pytest.raises(InsufficientStock) as refused:
        f.move(db, shop, "transfer", "TEE-M", "WH1", 4, to_location="WH2")
    assert refused.value.field == "quantity"
    assert ledger_size(db, shop) == before
    assert level(db, shop, "TEE-M", "WH2") == (0, 0)


def test_a_count_records_the_figure_and_the_delta_is_counted_minus_expected(db: Database, shop: Scope) -> None:
    f.receive(db, shop, "TEE-M", 10, "WH1")
    f.move(db, shop, "count", "TEE-M", "WH1", 8)
    line = stock_service.history(db, shop, "TEE-M")[0]
    assert (line.kind, line.on_hand_delta, line.counted) == ("count", -2, 8)
    f.move(db, shop, "count", "TEE-M", "WH1", 12)
    assert level(db, shop, "TEE-M", "WH1") == (12, 12)


def test_an_adjustment_needs_a_reason_and_cannot_go_below_zero(db: Database, shop: Scope) -> None:
    f.receive(db, shop, "TEE-M", 2, "WH1")
    with pytest.raises(InvalidInput) as no_reason:
        f.move(db, shop, "adjust", "TEE-M", "WH1", -1)
    assert no_reason.value.field == "reason"
    with pytest.raises(InsufficientStock):
        f.move(db, shop, "adjust", "TEE-M", "WH1", -3, reason="lost")
    f.move(db, shop, "adjust", "TEE-M", "WH1", -2, reason="lost")
    assert level(db, shop, "TEE-M", "WH1") == (0, 0)


@pytest.mark.parametrize(
    ("cmd", "field"),
    [
        (PostMovement("receive", "TEE-M", "WH1", 0), "quantity"),
        (PostMovement("receive", "TEE-M", "WH1", -5), "quantity"),
        (PostMovement("receive", "TEE-M", "WH1", 10**12), "quantity"),
        (PostMovement("receive", "NOPE", "WH1", 1), "sku"),
        (PostMovement("receive", "TEE-M", "NOWHERE", 1), "location"),
        (PostMovement("receive", "TEE-M", "WH1", 1, inventory_type="mint"), "inventory_type"),
        (PostMovement("transfer", "TEE-M", "WH1", 1, to_location="WH1"), "to_location"),
        (PostMovement("transfer", "TEE-M", "WH1", 1), "to_location"),
        (PostMovement("receive", "TEE-M", "WH1", 1, expires_on=date(2030, 1, 1)), "expires_on"),
        (PostMovement("explode", "TEE-M", "WH1", 1), "kind"),
        (PostMovement("receive", "TEE-M", "WH1", 1, reference="PO\x001"), "reference"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(db: Database, shop: Scope, cmd: PostMovement, field: str) -> None:
    with pytest.raises((InvalidInput, NotFound)) as refused:
        post_movement(db, shop, cmd)
    assert refused.value.field == field
    assert ledger_size(db, shop) == 0


def test_a_replayed_key_returns_the_first_result_and_a_different_payload_conflicts(db: Database, shop: Scope) -> None:
    first = post_movement(db, shop, PostMovement("receive", "TEE-M", "WH1", 5), key="grn-1")
    again = post_movement(db, shop, PostMovement("receive", "TEE-M", "WH1", 5), key="grn-1")
    assert again.movements == first.movements and again.replayed is True
    assert isinstance(again, MovementRecorded) and again == replace(first, replayed=True)
    with pytest.raises(IdempotencyConflict):
        post_movement(db, shop, PostMovement("receive", "TEE-M", "WH1", 6), key="grn-1")
    assert level(db, shop, "TEE-M", "WH1") == (5, 5)
    assert ledger_size(db, shop) == 1


def test_lots_leave_first_expiry_first_out(db: Database, shop: Scope) -> None:
    f.receive(db, shop, "TEE-M", 5, "WH1", lot="LATE", expires_on=date(2031, 1, 1))
    f.receive(db, shop, "TEE-M", 5, "WH1", lot="SOON", expires_on=date(2030, 1, 1))
    f.receive(db, shop, "TEE-M", 5, "WH1")
    f.move(db, shop, "transfer", "TEE-M", "WH1", 7, to_location="WH2")
    (wh2,) = [r for r in stock_service.stock(db, shop, "TEE-M") if r.location == "WH2"]
    assert {lot.lot: lot.on_hand for lot in wh2.lots} == {"SOON": 5, "LATE": 2}
    assert verify(db, shop) == []


def test_stock_as_of_a_past_instant_is_what_it_was_then(db: Database, shop: Scope) -> None:
    f.receive(db, shop, "TEE-M", 5, "WH1")
    then = stock_service.history(db, shop, "TEE-M")[0].at
    f.receive(db, shop, "TEE-M", 3, "WH1")
    from datetime import datetime

    past = stock_service.stock(db, shop, "TEE-M", as_of=datetime.fromisoformat(then))
    assert [(r.location, r.on_hand) for r in past] == [("WH1", 5)]
    assert level(db, shop, "TEE-M", "WH1") == (8, 8)


def test_a_location_shows_the_stock_of_its_bins(db: Database, shop: Scope) -> None:
    f.receive(db, shop, "TEE-M", 4, "WH1-A")
    f.receive(db, shop, "TEE-M", 1, "WH2")
    assert [r.location for r in stock_service.stock(db, shop, location="WH1")] == ["WH1-A"]


def test_verify_names_a_level_that_differs_from_the_ledger(db: Database, shop: Scope) -> None:
    from sqlalchemy import update

    from truecount.adapters.db.tables.ledger import stock_levels

    f.receive(db, shop, "TEE-M", 4, "WH1")
    with db.write() as conn:  # simulate corruption behind the service layer's back
        conn.execute(update(stock_levels).where(stock_levels.c.merchant_id == shop.merchant_id).values(on_hand=9))
    (diff,) = [d for d in verify(db, shop) if d.field == "on_hand"]
    assert (diff.sku, diff.location, diff.ledger, diff.stored) == ("TEE-M", "WH1", 4, 9)


def test_a_count_or_a_take_at_a_parent_whose_bins_hold_the_sku_is_refused_naming_the_bins(
    db: Database, scope: Scope
) -> None:
    f.location(db, scope, "WH1")
    f.location(db, scope, "WH1-A", parent="WH1")
    f.variant(db, scope, "TEE-BL-M", barcodes=["4006381333931"])
    f.receive(db, scope, "TEE-BL-M", 12, "WH1-A")
    before = ledger_size(db, scope)
    with pytest.raises(InvalidInput, match=r"WH1 keeps TEE-BL-M in bins: WH1-A \(12\)"):
        f.move(db, scope, "count", "TEE-BL-M", "WH1", 16)
    with pytest.raises(InsufficientStock, match=r"only 0 available at WH1 itself; TEE-BL-M is in its bins: WH1-A"):
        f.move(db, scope, "adjust", "TEE-BL-M", "WH1", -1, reason="damaged")
    with pytest.raises(InsufficientStock, match="in its bins"):
        post_movement(db, scope, PostMovement("transfer", "TEE-BL-M", "WH1", 2, to_location="WH1-A"))
    assert ledger_size(db, scope) == before
    f.move(db, scope, "count", "TEE-BL-M", "WH1-A", 16)  # at the bin: the count it means
    f.move(db, scope, "adjust", "TEE-BL-M", "WH1", 3, reason="found")  # adding to the parent's shelf is fine
    f.move(db, scope, "adjust", "TEE-BL-M", "WH1", -2, reason="damaged")  # its own shelf covers this take
    assert level(db, scope, "TEE-BL-M", "WH1-A") == (16, 16) and level(db, scope, "TEE-BL-M", "WH1") == (1, 1)
    assert verify(db, scope) == []


def test_a_movement_given_a_barcode_answers_with_the_sku(db: Database, scope: Scope) -> None:
    f.location(db, scope, "WH1")
    f.variant(db, scope, "TEE-BL-M", barcodes=["4006381333931"])
    result = f.receive(db, scope, "4006381333931", 4, "WH1")
    assert result.sku == "TEE-BL-M" and result.levels[0].sku == "TEE-BL-M"
