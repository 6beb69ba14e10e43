"""Three drop-ship suppliers and a warehouse, for the supplier choice tests."""

from __future__ import annotations

from tests import factories as f
from tests import order_factories as o
from truecount.adapters.db.engine import Database
from truecount.domain.suppliers import AddSupplier
from truecount.services.common.scope import Scope
from truecount.services.orders.dropship import list_dropship_orders
from truecount.services.suppliers.records import add_supplier

# (code, location, location priority, lead days, cut-off)
SUPPLIERS = (("ACME", "DS-A", 2, 1, "14:00"), ("BOLT", "DS-B", 3, 1, None), ("CRUX", "DS-C", 4, 3, None))


def shop(db: Database, scope: Scope, allocation: str) -> None:
    """WH1 (own, priority 5: after the suppliers) with 5 TEE; three suppliers with 20 SNK and 20 TEE each;
    channel ``web`` by ``allocation``, ``pos`` by priority, both drawing on all four."""
    f.location(db, scope, "WH1", priority=5)
    for code, location, priority, lead, cutoff in SUPPLIERS:
        f.location(db, scope, location, kind="dropship", priority=priority)
        email = f"po@{code.lower()}.example"
        add_supplier(db, scope, AddSupplier(code, f"{code} Ltd", email, location, lead_days=lead, cutoff=cutoff))
    for sku in ("SNK", "TEE"):
        f.variant(db, scope, sku)
        for _, location, *_ in SUPPLIERS:
            f.move(db, scope, "feed", sku, location, 20)
    f.receive(db, scope, "TEE", 5, "WH1")
    places = ["WH1", "DS-A", "DS-B", "DS-C"]
    o.channel(db, scope, "web", places, allocation=allocation)
    o.channel(db, scope, "pos", places)


def whys(db: Database, scope: Scope, external_id: str) -> dict[str, str | None]:
    return {
        po.supplier: po.lines[0].why for po in list_dropship_orders(db, scope, 200) if po.external_id == external_id
    }
