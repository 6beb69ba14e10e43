"""Drop-ship purchase orders as records: one per supplier, collected between sends, amended when the
customer's order is cancelled, moved only along their states (on both backends)."""

from __future__ import annotations

import pytest

from tests import factories as f
from tests import order_factories as o
from tests.purchase_factories import two_suppliers
from truecount.adapters.db.engine import Database
from truecount.domain.errors import Conflict, InvalidInput, NotFound
from truecount.services.common.scope import Scope
from truecount.services.purchasing import records
from truecount.services.stock.verify import verify
from truecount.services.suppliers.records import set_send_schedule


def test_an_order_across_two_suppliers_makes_one_draft_purchase_order_each(db: Database, scope: Scope) -> None:
    two_suppliers(db, scope)
    o.order(db, scope, "W1", ("SNK", 3), ("TEE", 2), ("CAP", 4))
    bolt, acme = records.list_purchase_orders(db, scope)
    assert (acme.supplier, acme.state, acme.email, acme.total) == ("ACME", "draft", "po@acme.example", "37.50")
    assert [(x.external_id, x.line, x.sku, x.supplier_sku, x.quantity, x.unit_cost) for x in acme.lines] == [
        ("W1", 1, "SNK", "AC-SNK", 3, "12.50")
    ]
    assert [(x.line, x.sku, x.quantity, x.unit_cost) for x in bolt.lines] == [(3, "CAP", 4, "4.00")]
    assert acme.send_due_at is not None and acme.message_id.startswith("<po.")
    assert [p.id for p in records.list_purchase_orders(db, scope, supplier="BOLT")] == [bolt.id]
    assert records.list_purchase_orders(db, scope, state="sent") == []
    o.order(db, scope, "W2", ("SNK", 1))  # a supplier that sends now: a purchase order of its own
    assert len(records.list_purchase_orders(db, scope, supplier="ACME")) == 2
    o.order(db, scope, "W1", ("SNK", 3), ("TEE", 2), ("CAP", 4))  # a repeat delivery asks nothing again
    assert len(records.list_purchase_orders(db, scope)) == 3
    assert verify(db, scope) == []


def test_a_collecting_supplier_gets_the_lines_of_several_orders_on_one_purchase_order(
    db: Database, scope: Scope
) -> None:
    two_suppliers(db, scope, send="17:00")
    o.order(db, scope, "W1", ("SNK", 3))
    o.order(db, scope, "W2", ("SNK", 2), ("CAP", 1))
    acme = records.list_purchase_orders(db, scope, supplier="ACME")
    assert len(acme) == 1
    assert [(x.external_id, x.quantity) for x in acme[0].lines] == [("W1", 3), ("W2", 2)]
    assert acme[0].send_due_at is not None and acme[0].send_due_at[11:16] == "17:00"
    set_send_schedule(db, scope, "ACME", "now")
    o.order(db, scope, "W3", ("SNK", 1))  # sent at once from now on: a purchase order of its own
    assert len(records.list_purchase_orders(db, scope, supplier="ACME")) == 2
    with pytest.raises(InvalidInput) as refused:
        set_send_schedule(db, scope, "ACME", "25:00")
    assert refused.value.field == "send"


def test_a_cancel_of_the_customers_order_amends_the_draft_then_cancels_it(db: Database, scope: Scope) -> None:
    two_suppliers(db, scope)
    placed = o.order(db, scope, "W1", ("SNK", 3), ("CAP", 4))
    o.change(db, scope, "cancel", placed.id, ("SNK", 1))
    bolt, acme = records.list_purchase_orders(db, scope)
    assert (acme.lines[0].quantity, acme.lines[0].cancelled, acme.lines[0].open, acme.state) == (3, 1, 2, "draft")
    assert acme.total == "25.00" and acme.notice is None  # a draft: nobody to tell
    o.change(db, scope, "cancel", placed.id)  # the rest of the order
    bolt, acme = records.list_purchase_orders(db, scope)
    assert (acme.state, bolt.state) == ("cancelled", "cancelled") and acme.cancelled_at is not None
    assert (acme.notice, bolt.notice) == (None, None)
    assert verify(db, scope) == []


def test_a_wrong_transition_is_refused_naming_the_state(db: Database, scope: Scope) -> None:
    two_suppliers(db, scope)
    o.order(db, scope, "W1", ("SNK", 3))
    (po,) = records.list_purchase_orders(db, scope)
    with pytest.raises(Conflict) as early:
        records.acknowledge(db, scope, po.id)
    assert early.value.field == "state" and "is draft" in early.value.message
    cancelled = records.cancel(db, scope, po.id, key="c-1")
    assert (cancelled.state, cancelled.notice) == ("cancelled", None)
    assert records.cancel(db, scope, po.id, key="c-1").replayed  # the same request again
    with pytest.raises(Conflict) as again:
        records.cancel(db, scope, po.id)
    assert "is cancelled" in again.value.message
    with pytest.raises(NotFound):
        records.get_purchase_order(db, scope, po.id + 1000)
    with pytest.raises(InvalidInput) as bad_state:
        records.list_purchase_orders(db, scope, state="lost")
    assert bad_state.value.field == "state"
    with pytest.raises(NotFound) as nobody:
        records.list_purchase_orders(db, scope, supplier="NOPE")
    assert nobody.value.field == "supplier"


def test_a_backorder_the_suppliers_feed_later_covers_goes_on_a_purchase_order(db: Database, scope: Scope) -> None:
    two_suppliers(db, scope)
    f.move(db, scope, "feed", "CAP", "DS-B", 1)  # BOLT has one left
    o.order(db, scope, "W1", ("CAP", 3))  # 1 booked at BOLT, 2 owed
    assert [x.quantity for x in records.list_purchase_orders(db, scope)[0].lines] == [1]
    f.move(db, scope, "feed", "CAP", "DS-B", 10)  # BOLT has more: the backorder takes 2
    newest, first = records.list_purchase_orders(db, scope, supplier="BOLT")
    assert [(x.external_id, x.quantity) for x in newest.lines] == [("W1", 2)] and first.lines[0].quantity == 1
    assert verify(db, scope) == []
