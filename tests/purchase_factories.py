"""Two drop-ship suppliers and a warehouse, for the purchase order tests."""

from __future__ import annotations

from tests import factories as f
from tests import order_factories as o
from truecount.adapters.db.engine import Database
from truecount.domain.suppliers import AddSupplier, SetSupplierItem
from truecount.services.common.scope import Scope
from truecount.services.suppliers.records import add_supplier, set_supplier_item


def two_suppliers(db: Database, scope: Scope, *, send: str = "now", lead_days: int = 2) -> None:
    """WH1 (own stock of TEE), ACME behind DS-A (carries SNK at 12.50) and BOLT behind DS-B (carries
    CAP at 4.00); channel ``web`` draws on all three, priority order."""
    f.location(db, scope, "WH1", priority=1)
    for code, location, priority in (("ACME", "DS-A", 2), ("BOLT", "DS-B", 3)):
        f.location(db, scope, location, kind="dropship", priority=priority)
        email = f"po@{code.lower()}.example"
        add_supplier(db, scope, AddSupplier(code, f"{code} Ltd", email, location, lead_days=lead_days, send=send))
    for sku in ("SNK", "CAP", "TEE"):
        f.variant(db, scope, sku)
    f.move(db, scope, "feed", "SNK", "DS-A", 20)
    f.move(db, scope, "feed", "CAP", "DS-B", 20)
    f.receive(db, scope, "TEE", 5, "WH1")
    set_supplier_item(db, scope, SetSupplierItem("ACME", "SNK", "12.50", "AC-SNK"))
    set_supplier_item(db, scope, SetSupplierItem("BOLT", "CAP", "4"))
    o.channel(db, scope, "web", ["WH1", "DS-A", "DS-B"])


def sent(db: Database, scope: Scope) -> None:
    """Mail every due purchase order of the merchant through a real local SMTP server: they are ``sent``."""
    from tests.smtp_server import smtp_server
    from truecount.services.purchasing.sending import send_due

    with smtp_server() as (_inbox, mailer):
        send_due(db, mailer, merchant_id=scope.merchant_id)
