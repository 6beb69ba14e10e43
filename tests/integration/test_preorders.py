"""A prebook rule makes a shortfall an expected pre-order up to its quantity; beyond it is an oversell."""

from __future__ import annotations

from tests import factories as f
from tests import offer_factories as of
from tests import order_factories as o
from truecount.adapters.db.engine import Database
from truecount.services.common.scope import Scope
from truecount.services.orders.views import list_incidents
from truecount.services.stock.verify import verify


def test_a_shortfall_within_the_prebook_quantity_is_a_pre_order_and_beyond_it_an_oversell(
    db: Database, scope: Scope
) -> None:
    o.shop(db, scope)
    f.receive(db, scope, "TEE", 4, "WH1")
    of.rule(db, scope, "web", "TEE", "prebook", quantity=10)
    first = o.order(db, scope, "P1", ("TEE", 7))  # 4 booked, 3 owed: open ordered 7 of 10
    assert (first.lines[0].backorder.open, first.lines[0].backorder.preorder) == (3, True)
    assert list_incidents(db, scope) == []
    second = o.order(db, scope, "P2", ("TEE", 5))  # 3 more pre-orders reach 10; 2 are beyond it
    owed = second.lines[0].backorder
    assert owed.open == 5 and owed.preorder is True
    (incident,) = list_incidents(db, scope)
    assert (incident.external_id, incident.quantity) == ("P2", 2)
    assert "pre-order quantity" in incident.cause
    assert verify(db, scope) == []


def test_without_a_prebook_rule_every_unit_short_is_an_oversell(db: Database, scope: Scope) -> None:
    o.shop(db, scope)
    f.receive(db, scope, "TEE", 1, "WH1")
    result = o.order(db, scope, "N1", ("TEE", 3))
    assert result.lines[0].backorder.preorder is False
    (incident,) = list_incidents(db, scope)
    assert (incident.quantity, incident.cause) == (2, "ordered beyond stock")
