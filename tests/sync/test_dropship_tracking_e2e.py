"""End to end: an eBay order booked at a drop-shipper puts a purchase order to the supplier, mailed
through a real SMTP server; the supplier's reply with a tracking number in a Maildir ships the order
line and closes the purchase order, and the sync worker tells eBay (the emulator) with the tracking."""

from __future__ import annotations

import mailbox
import uuid
from email.message import EmailMessage
from pathlib import Path

import httpx

from tests import factories as f
from tests import order_factories as o
from tests.smtp_server import smtp_server
from tests.sync.conftest import channel_config, wait_for
from truecount.adapters.db.engine import Database
from truecount.domain.suppliers import AddSupplier
from truecount.emulators.runner import RunningEmulator
from truecount.services.common.scope import Scope
from truecount.services.orders.views import get_order
from truecount.services.purchasing import records
from truecount.services.purchasing.sending import send_due
from truecount.services.shipping.inbox import read_inbox
from truecount.services.suppliers.records import add_supplier
from truecount.services.sync.fulfilments import fulfilments
from truecount.services.sync.worker import WorkerOptions, start_in_background


def test_a_suppliers_tracking_reply_ships_the_ebay_order_and_reaches_ebay(
    db: Database, scope: Scope, emu: dict[str, RunningEmulator], tmp_path: Path
) -> None:
    ebay = emu["ebay"]
    f.location(db, scope, "DS-A", kind="dropship")
    add_supplier(db, scope, AddSupplier("ACME", "Acme Ltd", "po@acme.example", "DS-A", lead_days=2))
    f.variant(db, scope, "SNK")
    f.move(db, scope, "feed", "SNK", "DS-A", 10)
    o.channel(db, scope, "ebay", ["DS-A"], kind="ebay", config=channel_config("ebay", ebay.url, order_poll_s=3600))
    lines = [{"ref": "SNK", "sku": "SNK", "quantity": 2}]
    httpx.post(ebay.url + "/_emulator/orders", json={"id": "12-00042-00001", "lines": lines}).raise_for_status()
    order = o.order(db, scope, "12-00042-00001", ("SNK", 2), channel="ebay")
    with smtp_server() as (inbox, mailer):
        send_due(db, mailer, merchant_id=scope.merchant_id)
    (po,) = records.list_purchase_orders(db, scope)
    (sent,) = inbox.messages
    assert (po.state, sent["To"], sent["Message-ID"]) == ("sent", "po@acme.example", po.message_id)
    reply = EmailMessage()
    reply["Subject"], reply["Message-ID"] = f"Re: {sent['Subject']}", f"<{uuid.uuid4().hex}@acme.example>"
    reply["In-Reply-To"] = sent["Message-ID"]
    reply.set_content("Shipped today.\nCarrier: UPS\nTracking: 1Z999AA10123456784\n")
    mailbox.Maildir(str(tmp_path / "replies"), create=True).add(reply)
    report = read_inbox(db, tmp_path / "replies", merchant_id=None, actor="worker", max_quantity=scope.max_quantity)
    assert [(e.outcome, e.purchase_order) for e in report.entries] == [("shipped", po.number)]
    assert records.get_purchase_order(db, scope, po.id).state == "closed"
    assert get_order(db, scope, order.id).status == "fulfilled"
    options = WorkerOptions(poll_interval_s=0.05, lease_s=5.0, channel_refresh_s=0.1, merchant_id=scope.merchant_id)
    stop = start_in_background(db, options)
    try:

        def pushed() -> bool:
            with db.read() as conn:
                return [r.state for r in fulfilments(conn, scope.merchant_id)] == ["pushed"]

        assert wait_for(pushed, 20)
    finally:
        stop()
    seen = httpx.get(ebay.url + "/_emulator/fulfilments").json()["fulfilments"]
    mine = [(r["tracking"], r["lines"][0]["quantity"]) for r in seen if r["order_id"] == "12-00042-00001"]
    assert mine == [("1Z999AA10123456784", 2)]
