"""A person sends an order line to a named supplier: the line's bookings move to that supplier's
location, the old supplier's purchase order is amended or cancelled and told by mail, the new one gets
the line with why "chosen by <actor>"; refusals name the field and write nothing (both backends; the
concurrent choices on PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from tests import order_factories as o
from tests.choice_factories import shop
from tests.smtp_server import Inbox, smtp_server
from truecount.adapters.db.engine import Database
from truecount.adapters.mail import SmtpMailer
from truecount.domain.errors import Conflict, InvalidInput, NotFound, TruecountError
from truecount.services.common.scope import Scope
from truecount.services.orders.line_supplier import send_line_to_supplier
from truecount.services.purchasing import records
from truecount.services.purchasing.sending import send_due
from truecount.services.stock.levels import stock
from truecount.services.stock.verify import verify


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, SmtpMailer]]:
    with smtp_server() as running:
        yield running


def purchase_orders(db: Database, scope: Scope) -> dict[str, records.PurchaseOrderView]:
    return {po.supplier: po for po in records.list_purchase_orders(db, scope)}


def free_at(db: Database, scope: Scope, sku: str) -> dict[str, int]:
    return {row.location: row.available for row in stock(db, scope, sku)}


def test_a_line_sent_to_another_supplier_moves_its_bookings_and_its_purchase_orders(
    db: Database, scope: Scope, smtp: tuple[Inbox, SmtpMailer]
) -> None:
    inbox, mailer = smtp
    shop(db, scope, "priority")
    placed = o.order(db, scope, "W1", ("SNK", 3), ("TEE", 2))
    assert o.booked_at(placed) == [("DS-A", 3)]
    send_due(db, mailer, merchant_id=scope.merchant_id)
    moved = send_line_to_supplier(db, scope, placed.id, 1, "BOLT")
    assert o.booked_at(moved) == [("DS-B", 3)]
    assert o.booked_at(moved, 1) == [("DS-A", 2)]  # the other line stays
    assert free_at(db, scope, "SNK")["DS-A"] == 20 and free_at(db, scope, "SNK")["DS-B"] == 17
    pos = purchase_orders(db, scope)
    assert pos["BOLT"].state == "draft"  # sent by the next send_due
    assert [(line.sku, line.open, line.why) for line in pos["BOLT"].lines] == [("SNK", 3, "chosen by test")]
    acme = pos["ACME"]
    assert (acme.state, acme.notice) == ("sent", "amended")  # TEE is still asked of ACME
    assert [(line.sku, line.open) for line in acme.lines] == [("SNK", 0), ("TEE", 2)]
    send_due(db, mailer, merchant_id=scope.merchant_id)
    subjects = [str(m["Subject"]) for m in inbox.messages]
    assert f"Purchase order - amended {acme.number}" in subjects
    assert f"Purchase order {pos['BOLT'].number}" in " ".join(subjects)
    again = send_line_to_supplier(db, scope, placed.id, 2, "CRUX")  # ACME's last line: its order is cancelled
    assert o.booked_at(again, 1) == [("DS-C", 2)]
    assert purchase_orders(db, scope)["ACME"].state == "cancelled"
    assert verify(db, scope) == []


def test_a_line_from_own_stock_goes_to_a_supplier_and_the_stock_is_free_again(db: Database, scope: Scope) -> None:
    shop(db, scope, "own_first")
    placed = o.order(db, scope, "W1", ("TEE", 4))
    assert o.booked_at(placed) == [("WH1", 4)]
    moved = send_line_to_supplier(db, scope, placed.id, 1, "CRUX", key="k-1")
    assert o.booked_at(moved) == [("DS-C", 4)]
    assert free_at(db, scope, "TEE")["WH1"] == 5
    assert send_line_to_supplier(db, scope, placed.id, 1, "CRUX", key="k-1").replayed  # the key's first answer
    (crux,) = records.list_purchase_orders(db, scope)
    assert [(line.sku, line.open, line.why) for line in crux.lines] == [("TEE", 4, "chosen by test")]
    assert verify(db, scope) == []


def test_an_impossible_choice_is_refused_naming_the_field_and_writes_nothing(db: Database, scope: Scope) -> None:
    shop(db, scope, "priority")
    o.channel(db, scope, "shop", ["WH1", "DS-A"])
    placed = o.order(db, scope, "W1", ("SNK", 3), ("TEE", 30))  # TEE: 20 at DS-A, 10 at DS-B
    on_shop = o.order(db, scope, "S1", ("TEE", 1), channel="shop")
    before = (free_at(db, scope, "SNK"), free_at(db, scope, "TEE"))
    cases: list[tuple[type[TruecountError], str, int, int, str]] = [
        (NotFound, "id", 999_999, 1, "BOLT"),
        (NotFound, "line", placed.id, 3, "BOLT"),
        (InvalidInput, "line", placed.id, 0, "BOLT"),
        (NotFound, "supplier", placed.id, 1, "NOPE"),
        (InvalidInput, "supplier", on_shop.id, 1, "BOLT"),  # BOLT's location does not feed "shop"
        (Conflict, "line", placed.id, 1, "ACME"),  # already all at ACME
        (Conflict, "supplier", placed.id, 2, "CRUX"),  # 30 TEE, CRUX has 20 free
    ]
    for error, field, order_id, line, supplier in cases:
        with pytest.raises(error) as refused:
            send_line_to_supplier(db, scope, order_id, line, supplier)
        assert refused.value.field == field, (field, str(refused.value))
    assert (free_at(db, scope, "SNK"), free_at(db, scope, "TEE")) == before
    assert verify(db, scope) == []


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_concurrent_choices_for_one_line_leave_it_booked_once_at_one_supplier(db: Database, scope: Scope) -> None:
    """PostgreSQL (SQLite serialises writers): 8 people send one line to BOLT and CRUX at once."""
    shop(db, scope, "priority")
    placed = o.order(db, scope, "W1", ("SNK", 5))
    start = threading.Barrier(8)
    errors: list[BaseException] = []

    def choose(supplier: str) -> None:
        start.wait()
        try:
            send_line_to_supplier(db, scope, placed.id, 1, supplier)
        except Conflict:
            pass  # the line was already at that supplier when this choice got the order's lock
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=choose, args=(("BOLT", "CRUX")[i % 2],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    (where,) = o.booked_at(o.order(db, scope, "W1", ("SNK", 5)))  # a replay: the order as it stands
    assert where in (("DS-B", 5), ("DS-C", 5))
    asked: dict[str, int] = {}
    for po in records.list_purchase_orders(db, scope):
        asked[po.supplier] = asked.get(po.supplier, 0) + sum(line.open for line in po.lines)
    assert sum(asked.values()) == 5 and asked[{"DS-B": "BOLT", "DS-C": "CRUX"}[where[0]]] == 5
    free = free_at(db, scope, "SNK")
    assert free["DS-A"] + free["DS-B"] + free["DS-C"] == 55
    assert verify(db, scope) == []
