"""Suppliers' replies read from a mailbox folder (a Maildir and an mbox written by the test) on both
backends: a tracking number and a carrier become a shipment, an acknowledgement acknowledges, each
message is acted on once, and what cannot be read is reported with its reason, never guessed."""

from __future__ import annotations

import mailbox
import uuid
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests import order_factories as o
from tests.purchase_factories import sent, two_suppliers
from tests.waits import until
from truecount.adapters.db.engine import Database
from truecount.domain.errors import InvalidInput
from truecount.entrypoints.worker import start_purchase_orders
from truecount.services.common.scope import Scope
from truecount.services.orders.views import get_order
from truecount.services.purchasing import records
from truecount.services.shipping.inbox import InboxReport, read_inbox
from truecount.settings import Settings


def mail(subject: str, text: str, *, in_reply_to: str | None = None, message_id: bool = True) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "shipping@acme.example"
    message["To"] = "po@shop.example"
    message["Subject"] = subject
    if message_id:
        message["Message-ID"] = f"<{uuid.uuid4().hex}@acme.example>"
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    message.set_content(text)
    return message


def read(db: Database, scope: Scope, path: Path) -> InboxReport:
    return read_inbox(db, path, merchant_id=scope.merchant_id, actor="test", max_quantity=scope.max_quantity)


def test_replies_in_a_maildir_ship_acknowledge_and_are_read_once(db: Database, scope: Scope, tmp_path: Path) -> None:
    two_suppliers(db, scope)
    placed = o.order(db, scope, "W1", ("SNK", 3), ("CAP", 2))
    sent(db, scope)
    acme, bolt = (records.list_purchase_orders(db, scope, supplier=s)[0] for s in ("ACME", "BOLT"))
    box = mailbox.Maildir(str(tmp_path / "inbox"), create=True)
    shipped = mail(
        "Re: Purchase order",
        "Hello,\nyour goods left today.\n\nCarrier: UPS\nTracking number: 1Z999AA1\n"
        "Tracking URL: https://ups.example/1Z999AA1\n\n> Tracking: 0000 (quoted, ignored)\n",
        in_reply_to=acme.message_id,
    )
    box.add(shipped)
    box.add(mail(f"Re: Purchase order {bolt.number}", "Confirmed.\nThanks"))
    box.add(mail(f"Re: Purchase order {bolt.number}", "Tracking: JD1234\n"))  # no carrier
    box.add(mail("Lunch?", "Tracking: 1Z1\nCarrier: UPS"))  # names no purchase order
    box.add(mail(f"Re: {acme.number}", "Carrier: UPS\nTracking: 1Z1", message_id=False))
    html = EmailMessage()
    html["Subject"], html["Message-ID"] = f"Re: {acme.number}", f"<{uuid.uuid4().hex}@acme.example>"
    html.set_content("<p>Tracking: 1Z7</p>", subtype="html")
    box.add(html)
    first = read(db, scope, tmp_path / "inbox")
    by_outcome = sorted((e.outcome, e.purchase_order or "", e.detail) for e in first.entries)
    assert first.already_read == 0 and len(first.entries) == 6
    assert ("shipped", acme.number, f"UPS 1Z999AA1: {acme.number} now closed") in by_outcome
    assert ("acknowledged", bolt.number, f"{bolt.number} acknowledged") in by_outcome
    unread = {e.detail for e in first.entries if e.outcome == "unread"}
    assert unread == {
        "names a tracking number but no carrier ('Carrier: UPS')",
        "names no purchase order (In-Reply-To, References or PO-… in the subject)",
        "no Message-ID: cannot be remembered, so it is not acted on",
        "has no plain text part",
    }
    after = records.get_purchase_order(db, scope, acme.id)
    assert [(s.carrier, s.tracking, s.tracking_url, s.source) for s in after.shipments] == [
        ("UPS", "1Z999AA1", "https://ups.example/1Z999AA1", "mail")
    ]
    assert records.get_purchase_order(db, scope, bolt.id).state == "acknowledged"
    assert get_order(db, scope, placed.id).lines[0].fulfilled == 3
    again = read(db, scope, tmp_path / "inbox")  # every message with a Message-ID is remembered
    assert again.already_read == 5
    assert [(e.message_id, e.outcome) for e in again.entries] == [(None, "unread")]
    assert len(records.get_purchase_order(db, scope, acme.id).shipments) == 1


def test_an_mbox_reply_with_lines_ships_part_and_a_refused_shipment_is_reported(
    db: Database, scope: Scope, tmp_path: Path
) -> None:
    two_suppliers(db, scope)
    o.order(db, scope, "W1", ("SNK", 3))
    sent(db, scope)
    (acme,) = records.list_purchase_orders(db, scope, supplier="ACME")
    box = mailbox.mbox(str(tmp_path / "replies.mbox"), create=True)
    box.add(mail(f"Re: Purchase order {acme.number}", "Shipped via: DHL\nTracking #: JD01\nLine: SNK x 2\n"))
    box.add(mail(f"Re: Purchase order {acme.number}", "Carrier: DHL\nTracking: JD02\nLine: SNK x 5\n"))
    box.add(mail(f"Re: Purchase order {acme.number}", "Carrier: DHL\nTracking: JD03\nLine: two sneakers\n"))
    box.flush()
    report = read(db, scope, tmp_path / "replies.mbox")
    assert [e.outcome for e in report.entries] == ["shipped", "unread", "unread"]
    assert report.entries[1].detail.startswith("refused: lines[0].quantity: only 1 of SNK open")
    assert report.entries[2].detail == "line 'Line: two sneakers' is not 'Line: SKU x QTY'"
    po = records.get_purchase_order(db, scope, acme.id)
    assert (po.state, po.lines[0].shipped, [s.tracking for s in po.shipments]) == ("shipped", 2, ["JD01"])
    with pytest.raises(InvalidInput) as nowhere:
        read(db, scope, tmp_path / "missing")
    assert nowhere.value.field == "path"


def test_the_worker_reads_the_inbox_the_settings_name(db: Database, scope: Scope, tmp_path: Path) -> None:
    two_suppliers(db, scope)
    o.order(db, scope, "W1", ("SNK", 3))
    sent(db, scope)
    (acme,) = records.list_purchase_orders(db, scope, supplier="ACME")
    box = mailbox.Maildir(str(tmp_path / "inbox"), create=True)
    box.add(mail("Re: your order", "Tracking: 1Z5\nCarrier: UPS\n", in_reply_to=acme.message_id))
    settings = Settings(database_url=db.url, po_interval_s=0.05, po_inbox=str(tmp_path / "inbox"))
    stop = start_purchase_orders(db, settings, merchant_id=scope.merchant_id)
    try:
        until(lambda: records.get_purchase_order(db, scope, acme.id).state == "closed", "the worker to read the reply")
    finally:
        stop()
    assert [s.source for s in records.get_purchase_order(db, scope, acme.id).shipments] == ["mail"]
