"""``import stock`` set-based, on SQLite and PostgreSQL: the same ledger lines as one movement per row,
all or nothing, and nothing held while the file is checked (an order placed meanwhile goes through)."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, select

from tests import factories as f
from tests.waits import until
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import variants
from truecount.adapters.db.tables.ledger import movements
from truecount.adapters.db.tables.orders import orders
from truecount.domain.commands import CreateChannel, OrderLineSpec, PlaceOrder
from truecount.domain.errors import InvalidInput
from truecount.services.channels.setup import create_channel
from truecount.services.common import availability
from truecount.services.common.lookups import inventory_type_id, location_id, variant_id
from truecount.services.common.scope import Scope, db_time, utcnow
from truecount.services.imports import stock as stock_import
from truecount.services.orders.place import place_order
from truecount.services.orders.results import Order
from truecount.services.stock.bulk import Entry, Meta, plan_many, record_many
from truecount.services.stock.levels import stock
from truecount.services.stock.verify import verify


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "stock.csv"
    path.write_text(text, encoding="utf-8")
    return path


def levels(db: Database, scope: Scope) -> dict[tuple[str, str], tuple[int, dict[str, int]]]:
    """(sku, location) → (on hand, {lot: on hand})."""
    return {(r.sku, r.location): (r.on_hand, {lot.lot: lot.on_hand for lot in r.lots}) for r in stock(db, scope)}


def lines(db: Database, scope: Scope, reference: str) -> list[tuple[Any, ...]]:
    m = movements.c
    with db.read() as conn:
        rows = conn.execute(
            select(m.kind, m.lot, m.on_hand_delta, m.counted)
            .where(m.merchant_id == scope.merchant_id, m.reference == reference)
            .order_by(m.id)
        )
        return [tuple(r) for r in rows]


def test_receives_and_counts_record_the_lines_one_movement_per_row_would(
    db: Database, scope: Scope, tmp_path: Path
) -> None:
    f.location(db, scope, "WH1")
    f.location(db, scope, "WH2")
    f.variant(db, scope, "TEE")
    f.variant(db, scope, "MUG")
    f.receive(db, scope, "TEE", 5, "WH1", lot="L1", expires_on=date(2030, 1, 1))
    f.receive(db, scope, "TEE", 3, "WH1", lot="L2", expires_on=date(2029, 1, 1))
    f.receive(db, scope, "TEE", 4, "WH1")
    text = (
        "sku,location,quantity,lot,expires_on,reference,mode\n"
        "TEE,WH1,6,,,IMP,receive\n"  # unlotted 4 → 10; on hand 18
        "TEE,WH1,10,,,IMP,count\n"  # 8 short: first expiry first out, L2 (3) then L1 (5)
        "TEE,WH1,2,L1,,IMP,count\n"  # L1 is empty now: 2 found
        "MUG,WH2,0,,,IMP,count\n"  # a new level counted empty
        "MUG,WH2,7,L9,2031-05-01,IMP,\n"  # a new lot, dated by its first row
    )
    assert stock_import.import_stock(db, scope, write(tmp_path, text)) == stock_import.StockImported(5)
    assert lines(db, scope, "IMP") == [
        ("receive", "", 6, None),
        ("count", "L2", -3, 10),
        ("count", "L1", -5, None),
        ("count", "L1", 2, 2),
        ("count", "", 0, 0),
        ("receive", "L9", 7, None),
    ]
    found = levels(db, scope)
    assert found[("TEE", "WH1")][0] == 12 and found[("MUG", "WH2")][0] == 7
    assert verify(db, scope) == []  # the projection equals the ledger, lots included


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sku,location,quantity,mode\nTEE,WH1,5,\nTEE,WH1-A,1,\nTEE,WH1,3,count\n", "row 4, column location"),
        ("sku,location,quantity\nTEE,WH1,5\nGIFT,WH1,1\n", "row 3, column sku"),
        (
            "sku,location,quantity,lot,expires_on\nTEE,WH1,5,L1,2030-01-01\nTEE,WH1,1,L1,2031-01-01\n",
            "row 3, column expires_on",
        ),
        ("sku,location,quantity\nTEE,WH1,5\nTEE,MARS,1\nTEE,WH1,x\n", "row 3, column location"),
        ("sku,location,quantity\nTEE,WH1,5\nTEE,WH1,x\nNOPE,WH1,1\n", "row 3, column quantity"),
    ],
)
def test_the_first_bad_row_refuses_the_whole_file_naming_row_and_column(
    db: Database, scope: Scope, tmp_path: Path, text: str, expected: str
) -> None:
    f.location(db, scope, "WH1")
    f.location(db, scope, "WH1-A", parent="WH1")
    f.variant(db, scope, "TEE")
    f.variant(db, scope, "GIFT", tracked=False)
    with pytest.raises(InvalidInput) as refused:
        stock_import.import_stock(db, scope, write(tmp_path, text))
    assert expected in str(refused.value)
    assert levels(db, scope) == {}  # nothing written, not even the good rows before it


def test_every_bad_row_is_named_in_one_refusal_and_nothing_is_written(
    db: Database, scope: Scope, tmp_path: Path
) -> None:
    f.location(db, scope, "WH1")
    f.variant(db, scope, "TEE")
    f.variant(db, scope, "GIFT", tracked=False)
    text = (
        "sku,location,quantity,mode\nTEE,WH1,5,\nTEE,WH1,x,\nNOPE,WH1,1,\nTEE,MARS,1,\nGIFT,WH1,1,\nTEE,WH1,2,steal\n"
    )
    with pytest.raises(InvalidInput) as refused:
        stock_import.import_stock(db, scope, write(tmp_path, text))
    assert str(refused.value).startswith("file: 5 bad row(s), nothing imported; row 3, column quantity: ")
    assert [(d["row"], d["column"]) for d in refused.value.details] == [
        (3, "quantity"), (4, "sku"), (5, "location"), (6, "sku"), (7, "mode"),
    ]  # fmt: skip
    assert levels(db, scope) == {}


def test_a_file_of_many_bad_rows_lists_the_first_fifty_and_counts_them_all(
    db: Database, scope: Scope, tmp_path: Path
) -> None:
    f.location(db, scope, "WH1")
    f.variant(db, scope, "TEE")
    text = "sku,location,quantity\n" + "TEE,WH1,1\n" + "".join(f"NOPE-{n},WH1,1\n" for n in range(70))
    with pytest.raises(InvalidInput) as refused:
        stock_import.import_stock(db, scope, write(tmp_path, text))
    assert "70 bad row(s), nothing imported (the first 50 listed); row 3, column sku" in str(refused.value)
    assert [d["row"] for d in refused.value.details] == list(range(3, 53))
    assert levels(db, scope) == {}


def test_an_order_placed_while_the_file_is_checked_goes_through_before_the_import_ends(
    db: Database, scope: Scope, tmp_path: Path
) -> None:
    f.location(db, scope, "WH1")
    f.variant(db, scope, "TEE")
    f.receive(db, scope, "TEE", 10, "WH1")
    create_channel(db, scope, CreateChannel("web", "manual", ["WH1"]))
    path = write(tmp_path, "sku,location,quantity\n" + "TEE,WH1,1\n" * 600)
    placed = threading.Event()
    answers: list[Order] = []

    def order() -> None:
        answers.append(place_order(db, scope, PlaceOrder("web", "o-1", [OrderLineSpec("TEE", 2)])))
        placed.set()

    def progress(_done: int) -> None:
        if not answers and not placed.is_set():  # the first row checked: the import holds no lock yet
            worker = threading.Thread(target=order)
            worker.start()
            worker.join(timeout=60)  # an import that held the level would keep the order waiting here
            assert placed.is_set(), "the order waited for the import"

    stock_import.import_stock(db, scope, path, progress)
    assert answers[0].lines[0].bookings[0].quantity == 2
    ((on_hand, _),) = levels(db, scope).values()
    assert on_hand == 610
    assert verify(db, scope) == []


def test_a_plan_made_before_its_level_moved_is_made_again_under_the_lock(db: Database, scope: Scope) -> None:
    f.location(db, scope, "WH1")
    f.variant(db, scope, "TEE")
    f.receive(db, scope, "TEE", 5, "WH1")
    m = scope.merchant_id
    with db.read() as conn:
        ids = (variant_id(conn, m, "TEE"), location_id(conn, m, "WH1"), inventory_type_id(conn, m, "good"))
    count = Entry("count", *ids, 3, "TEE", "WH1", reference="RECOUNT")
    with db.read() as conn:
        draft = plan_many(conn, m, [count], {})  # 5 on hand: 2 short
    f.receive(db, scope, "TEE", 4, "WH1")  # 9 on hand now
    with db.write() as conn:
        record_many(conn, Meta(m, db_time(utcnow()), "test"), [count], {}, draft)
    assert lines(db, scope, "RECOUNT") == [("count", "", -6, 3)]
    assert levels(db, scope)[("TEE", "WH1")][0] == 3
    assert verify(db, scope) == []


def test_a_large_file_is_applied_in_parts_of_whole_variants_the_counts_bins_could_refuse_first(
    db: Database, scope: Scope, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    f.location(db, scope, "WH1")
    f.location(db, scope, "WH1-A", parent="WH1")
    f.location(db, scope, "WH2")
    for sku in ("A", "B", "C", "D"):
        f.variant(db, scope, sku)
    monkeypatch.setattr(stock_import, "APPLY_CHUNK_ROWS", 2)
    heard: list[set[str]] = []

    def listener(conn: Connection, merchant_id: int, variant_ids: set[int]) -> None:
        if merchant_id == scope.merchant_id:
            skus = conn.execute(select(variants.c.sku).where(variants.c.id.in_(variant_ids))).scalars()
            heard.append(set(skus))

    text = "sku,location,quantity,mode\nA,WH2,1,\nB,WH2,2,\nA,WH2,3,\nC,WH2,4,\nD,WH1,5,count\nB,WH2,6,\n"
    with availability.also(listener):
        assert stock_import.import_stock(db, scope, write(tmp_path, text)) == stock_import.StockImported(6)
    # D is counted at WH1, which has a bin: its part goes first (a refusal there leaves nothing written);
    # then whole variants in file order, a part closed once it holds APPLY_CHUNK_ROWS rows
    assert heard == [{"D"}, {"A"}, {"B"}, {"C"}]
    assert {sku: on_hand for (sku, _), (on_hand, _) in levels(db, scope).items()} == {"A": 4, "B": 8, "C": 4, "D": 5}
    assert verify(db, scope) == []


def test_an_order_from_another_handle_waiting_for_a_part_goes_in_before_the_next_part(
    db: Database, scope: Scope, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another handle (``truecount serve`` while the CLI imports) waiting for the lock that a part holds
    is answered before the next part: on SQLite the parts wait for the writers already waiting."""
    f.location(db, scope, "WH1")
    f.variant(db, scope, "TEE")
    f.receive(db, scope, "TEE", 10, "WH1")
    create_channel(db, scope, CreateChannel("web", "manual", ["WH1"]))
    for sku in ("A", "B", "C"):
        f.variant(db, scope, sku)
    monkeypatch.setattr(stock_import, "APPLY_CHUNK_ROWS", 1)  # one part a variant: three parts
    server = Database(db.url)
    answers: list[Order] = []
    seen_by_part: list[bool] = []  # per part, in order: whether the order was already committed

    def order() -> None:
        answers.append(place_order(server, scope, PlaceOrder("web", "o-1", [OrderLineSpec("TEE", 2)])))

    def listener(conn: Connection, merchant_id: int, variant_ids: set[int]) -> None:
        if merchant_id != scope.merchant_id or variant_ids & {tee}:
            return
        found = conn.execute(select(orders.c.id).where(orders.c.merchant_id == merchant_id)).first()
        seen_by_part.append(found is not None)
        if len(seen_by_part) == 1:  # the first part holds its lock: the order now has to wait for it
            worker.start()
            until(lambda: bool(answers) or db.writers_waiting(), "the order to wait for the part or go through")

    with db.read() as conn:
        tee = variant_id(conn, scope.merchant_id, "TEE")
    worker = threading.Thread(target=order)
    try:
        with availability.also(listener):
            stock_import.import_stock(db, scope, write(tmp_path, "sku,location,quantity\nA,WH1,1\nB,WH1,2\nC,WH1,3\n"))
        worker.join(timeout=60)
    finally:
        server.dispose()
    assert seen_by_part == [False, True, True], "the next part went first: the order waited for the rest of the file"
    assert answers[0].lines[0].bookings[0].quantity == 2
    assert {sku: on_hand for (sku, _), (on_hand, _) in levels(db, scope).items()} == {"TEE": 10, "A": 1, "B": 2, "C": 3}
    assert verify(db, scope) == []
