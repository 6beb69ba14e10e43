"""The supplier choice rules fastest, reliable and own_first, and a variant's own rule, booked through
place_order and place_orders on both backends: where each line lands and the why its purchase order
line carries."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from tests import order_factories as o
from tests.choice_factories import shop, whys
from tests.smtp_server import Inbox, smtp_server
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.purchasing import purchase_orders
from truecount.adapters.mail import SmtpMailer
from truecount.domain.commands import OrderLineSpec, PlaceOrder
from truecount.domain.errors import InvalidInput, NotFound
from truecount.domain.suppliers import SetSupplierChoice
from truecount.services.common.scope import Scope, clock_at, db_time
from truecount.services.orders.place import place_orders
from truecount.services.orders.results import Order
from truecount.services.purchasing import records
from truecount.services.purchasing.sending import send_due
from truecount.services.stock.verify import verify
from truecount.services.suppliers.choice import get_supplier_choice, set_supplier_choice

YESTERDAY = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)


def at(hour: int, minute: int = 0) -> datetime:
    return YESTERDAY.replace(hour=hour, minute=minute, second=0)


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, SmtpMailer]]:
    with smtp_server() as running:
        yield running


def batch(db: Database, scope: Scope, *orders: tuple[str, str, int], channel: str = "web") -> list[Order]:
    cmds = [PlaceOrder(channel, external, [OrderLineSpec(sku, q)]) for external, sku, q in orders]
    answers = place_orders(db, scope, cmds)
    assert all(isinstance(a, Order) for a in answers)
    return [a for a in answers if isinstance(a, Order)]


def test_fastest_takes_the_supplier_that_ships_soonest_and_counts_its_cut_off(db: Database, scope: Scope) -> None:
    shop(db, scope, "fastest")
    with clock_at(at(9)):  # before ACME's cut-off: ACME and BOLT both ship in 1 day, ACME first by priority
        morning = o.order(db, scope, "M1", ("SNK", 3))
    assert o.booked_at(morning) == [("DS-A", 3)]
    assert whys(db, scope, "M1") == {"DS-A": "fastest: ACME ships in 1 day (BOLT 1 day; CRUX 3 days)"}
    with clock_at(at(15)):  # after it: ACME ships a day later, BOLT is faster
        (afternoon,) = batch(db, scope, ("A1", "SNK", 3))
        own = o.order(db, scope, "A2", ("TEE", 4))
    assert o.booked_at(afternoon) == [("DS-B", 3)]
    assert whys(db, scope, "A1") == {
        "DS-B": "fastest: BOLT ships in 1 day (ACME 2 days, after cut-off 14:00; CRUX 3 days)"
    }
    assert o.booked_at(own) == [("WH1", 4)]  # own stock ships in 0 days, whatever its priority
    with clock_at(at(15)):
        split = o.order(db, scope, "A3", ("SNK", 30))  # BOLT's 17 left, then ACME (2 days), CRUX last
    assert sorted(o.booked_at(split)) == [("DS-A", 13), ("DS-B", 17)]
    assert whys(db, scope, "A3")["DS-A"] == (
        "ACME ships in 2 days, after cut-off 14:00: faster BOLT had too few free (others: BOLT 1 day; CRUX 3 days)"
    )
    assert verify(db, scope) == []


def test_reliable_takes_the_supplier_with_the_best_record_and_one_without_history_last(
    db: Database, scope: Scope, smtp: tuple[Inbox, SmtpMailer]
) -> None:
    _, mailer = smtp
    shop(db, scope, "reliable")
    # a history: ACME twice (once late), CRUX once on time; BOLT never
    o.channel(db, scope, "crux", ["DS-C"])
    batch(db, scope, ("P1", "SNK", 1), ("P2", "SNK", 1), channel="pos")
    o.order(db, scope, "P3", ("SNK", 1), channel="crux")
    send_due(db, mailer, merchant_id=scope.merchant_id)
    shipped: dict[str, list[records.PurchaseOrderView]] = {}
    for po in records.list_purchase_orders(db, scope):
        shipped.setdefault(po.supplier, []).append(po)
    first, second = sorted(shipped["ACME"], key=lambda po: po.id)
    record_shipped(db, first.id, first.sent_at, days=1)
    record_shipped(db, second.id, second.sent_at, days=5)  # ACME: 50 % on time
    (crux,) = shipped["CRUX"]
    record_shipped(db, crux.id, crux.sent_at, days=2)  # CRUX: 100 %, within its 3 lead days
    placed = o.order(db, scope, "R1", ("SNK", 5))
    assert o.booked_at(placed) == [("DS-C", 5)]
    assert whys(db, scope, "R1") == {
        "DS-C": "reliable: CRUX shipped 100.0% on time, 2.00 days to ship"
        " (ACME 50.0% on time, 3.00 days to ship; BOLT no history)"
    }
    (rest,) = batch(db, scope, ("R2", "SNK", 40))  # no source holds 40: CRUX's 14, ACME's 18, then BOLT
    assert sorted(o.booked_at(rest)) == [("DS-A", 18), ("DS-B", 8), ("DS-C", 14)]
    assert whys(db, scope, "R2")["DS-B"] == (
        "BOLT has no history yet: more reliable ACME, CRUX had too few free"
        " (others: ACME 50.0% on time, 3.00 days to ship; CRUX 100.0% on time, 2.00 days to ship)"
    )
    assert o.booked_at(o.order(db, scope, "R3", ("TEE", 2))) == [("WH1", 2)]  # own stock first
    assert verify(db, scope) == []


def record_shipped(db: Database, po_id: int, sent_at: str | None, days: int) -> None:
    """The supplier shipped ``days`` after the purchase order was sent (the fact as a shipment records it)."""
    moment = db_time(datetime.fromisoformat(sent_at or "") + timedelta(days=days))
    with db.write() as conn:
        conn.execute(
            update(purchase_orders).where(purchase_orders.c.id == po_id).values(state="shipped", shipped_at=moment)
        )


def test_own_first_takes_own_stock_before_suppliers_ranked_before_it(db: Database, scope: Scope) -> None:
    shop(db, scope, "own_first")
    assert o.booked_at(o.order(db, scope, "P1", ("TEE", 2), channel="pos")) == [("DS-A", 2)]  # priority
    (own,) = batch(db, scope, ("W1", "TEE", 3))
    assert o.booked_at(own) == [("WH1", 3)]
    split = o.order(db, scope, "W2", ("TEE", 25))  # no source holds 25: own stock's 2 first, then by priority
    assert sorted(o.booked_at(split)) == [("DS-A", 18), ("DS-B", 5), ("WH1", 2)]
    assert whys(db, scope, "W2") == {
        "DS-A": "own_first: own stock had too few free, then ACME by priority",
        "DS-B": "own_first: own stock had too few free, then BOLT by priority",
    }
    assert verify(db, scope) == []


def test_a_variant_s_own_rule_overrides_its_channels_until_cleared(db: Database, scope: Scope) -> None:
    shop(db, scope, "priority")
    with clock_at(at(15)):
        assert o.booked_at(o.order(db, scope, "W1", ("SNK", 2))) == [("DS-A", 2)]  # the channel's priority
        saved = set_supplier_choice(db, scope, SetSupplierChoice("SNK", "fastest"))
        assert (saved.sku, saved.rule) == ("SNK", "fastest")
        assert get_supplier_choice(db, scope, "SNK").rule == "fastest"
        assert o.booked_at(o.order(db, scope, "W2", ("SNK", 2))) == [("DS-B", 2)]  # ACME after its cut-off
        assert o.booked_at(o.order(db, scope, "W3", ("TEE", 2))) == [("DS-A", 2)]  # TEE keeps the channel's
        (on_pos,) = batch(db, scope, ("P1", "SNK", 2), channel="pos")
        assert o.booked_at(on_pos) == [("DS-B", 2)]  # a variant's rule holds on every channel
        assert whys(db, scope, "W2") == {
            "DS-B": "fastest: BOLT ships in 1 day (ACME 2 days, after cut-off 14:00; CRUX 3 days)"
        }
        set_supplier_choice(db, scope, SetSupplierChoice("TEE", "own_first"))
        assert o.booked_at(o.order(db, scope, "W4", ("TEE", 2))) == [("WH1", 2)]
        cleared = set_supplier_choice(db, scope, SetSupplierChoice("SNK", None))
        assert cleared.rule is None and get_supplier_choice(db, scope, "SNK").rule is None
        assert o.booked_at(o.order(db, scope, "W5", ("SNK", 2))) == [("DS-A", 2)]
    assert verify(db, scope) == []


def test_a_variant_s_rule_is_refused_naming_the_field_and_nothing_is_written(db: Database, scope: Scope) -> None:
    shop(db, scope, "priority")
    with pytest.raises(InvalidInput) as bad:
        set_supplier_choice(db, scope, SetSupplierChoice("SNK", "quickest"))
    assert bad.value.field == "rule" and "fastest" in str(bad.value)
    with pytest.raises(NotFound) as missing:
        set_supplier_choice(db, scope, SetSupplierChoice("NOPE", "fastest"))
    assert missing.value.field == "sku"
    assert get_supplier_choice(db, scope, "SNK").rule is None
