"""Purchase orders mailed through a real SMTP server (aiosmtpd in the test process), on both
backends: one per supplier with the right lines, PDF and CSV; a failure keeps the draft with its
error and is retried; collected lines go out at their time; amendments and cancellations told."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import update

from tests import order_factories as o
from tests.purchase_factories import two_suppliers
from tests.smtp_server import Inbox, attachments, smtp_server
from tests.waits import until
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.purchasing import purchase_orders
from truecount.adapters.mail import SmtpMailer
from truecount.domain.errors import Conflict
from truecount.entrypoints.worker import start_purchase_orders
from truecount.services.common.scope import Scope, db_time, utcnow
from truecount.services.purchasing import records
from truecount.services.purchasing.sending import SendFailed, send_due, send_purchase_order
from truecount.settings import Settings


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, SmtpMailer]]:
    with smtp_server() as running:
        yield running


def test_an_order_across_two_suppliers_mails_each_its_purchase_order_with_pdf_and_csv(
    db: Database, scope: Scope, smtp: tuple[Inbox, SmtpMailer]
) -> None:
    inbox, mailer = smtp
    two_suppliers(db, scope)
    o.order(db, scope, "W1", ("SNK", 3), ("TEE", 2), ("CAP", 4))
    report = send_due(db, mailer, merchant_id=scope.merchant_id)
    bolt, acme = records.list_purchase_orders(db, scope)
    assert sorted(report.sent) == sorted([acme.id, bolt.id]) and report.failed == []
    assert (acme.state, bolt.state) == ("sent", "sent") and acme.sent_at is not None
    by_to = {str(m["To"]): m for m in inbox.messages}
    assert sorted(by_to) == ["po@acme.example", "po@bolt.example"] and len(inbox.messages) == 2
    mail = by_to["po@acme.example"]
    assert mail["Subject"] == f"Purchase order {acme.number}" and mail["Message-ID"] == acme.message_id
    assert mail["From"] == "orders@shop.example"
    body = mail.get_body(("plain",))
    assert body is not None and "3 x SNK (your AC-SNK)" in body.get_content() and "CAP" not in body.get_content()
    files = attachments(mail)
    content_type, pdf = files[f"{acme.number}.pdf"]
    assert content_type == "application/pdf" and pdf.startswith(b"%PDF-") and acme.number.encode() in pdf
    assert len(pdf) > 1000 and b"AC-SNK" in pdf
    content_type, sheet = files[f"{acme.number}.csv"]
    assert content_type == "text/csv"
    assert sheet.decode().splitlines()[1] == f"{acme.number},ACME,web/W1,1,SNK,AC-SNK,3,12.50,EUR"
    bolt_csv = attachments(by_to["po@bolt.example"])[f"{bolt.number}.csv"][1].decode()
    assert bolt_csv.splitlines()[1:] == [f"{bolt.number},BOLT,web/W1,3,CAP,,4,4.00,EUR"]
    assert send_due(db, mailer, merchant_id=scope.merchant_id).sent == []  # nothing is sent twice
    assert len(inbox.messages) == 2
    acknowledged = records.acknowledge(db, scope, acme.id)
    assert acknowledged.state == "acknowledged" and acknowledged.acknowledged_at is not None


def test_a_failed_send_keeps_the_draft_with_its_error_and_the_worker_retries_it(
    db: Database, scope: Scope, smtp: tuple[Inbox, SmtpMailer]
) -> None:
    inbox, mailer = smtp
    two_suppliers(db, scope)
    o.order(db, scope, "W1", ("SNK", 3))
    (po,) = records.list_purchase_orders(db, scope)
    inbox.refuse = True
    with pytest.raises(SendFailed) as failed:
        send_purchase_order(db, scope, po.id, mailer)
    assert "451" in failed.value.message
    kept = records.get_purchase_order(db, scope, po.id)
    assert (kept.state, kept.send_attempts) == ("draft", 1) and kept.send_error and "451" in kept.send_error
    assert kept.send_due_at is not None and kept.send_due_at > (po.send_due_at or "")  # tried again later
    assert send_due(db, mailer, merchant_id=scope.merchant_id).sent == []  # not due yet
    inbox.refuse = False
    _due_now(db, po.id)
    assert send_due(db, mailer, merchant_id=scope.merchant_id).sent == [po.id]
    sent = records.get_purchase_order(db, scope, po.id)
    assert (sent.state, sent.send_error, sent.send_attempts) == ("sent", None, 2)
    assert [m["Message-ID"] for m in inbox.messages] == [po.message_id]
    with pytest.raises(Conflict) as again:
        send_purchase_order(db, scope, po.id, mailer)
    assert "is sent" in again.value.message


def test_without_a_server_the_send_fails_naming_it(db: Database, scope: Scope) -> None:
    two_suppliers(db, scope)
    o.order(db, scope, "W1", ("SNK", 3))
    (po,) = records.list_purchase_orders(db, scope)
    with pytest.raises(SendFailed) as failed:
        send_purchase_order(db, scope, po.id, SmtpMailer("", 25, "x@shop.example"))
    assert "TRUECOUNT_SMTP_HOST" in failed.value.message
    assert records.get_purchase_order(db, scope, po.id).state == "draft"


def test_collected_lines_go_out_on_one_purchase_order_at_its_time(
    db: Database, scope: Scope, smtp: tuple[Inbox, SmtpMailer]
) -> None:
    inbox, mailer = smtp
    two_suppliers(db, scope, send="4h")
    o.order(db, scope, "W1", ("SNK", 3))
    o.order(db, scope, "W2", ("SNK", 1), ("CAP", 2))
    assert send_due(db, mailer, merchant_id=scope.merchant_id).sent == []  # not yet time
    acme = records.list_purchase_orders(db, scope, supplier="ACME")[0]
    _due_now(db, acme.id)
    assert send_due(db, mailer, merchant_id=scope.merchant_id).sent == [acme.id]
    (mail,) = inbox.messages
    sheet = attachments(mail)[f"{acme.number}.csv"][1].decode().splitlines()
    assert [row.split(",")[2:7] for row in sheet[1:]] == [["web/W1", "1", "SNK", "AC-SNK", "3"],
                                                          ["web/W2", "1", "SNK", "AC-SNK", "1"]]  # fmt: skip
    o.order(db, scope, "W3", ("SNK", 2))  # after the send: a new collecting draft
    drafts = records.list_purchase_orders(db, scope, supplier="ACME", state="draft")
    assert len(drafts) == 1 and [x.external_id for x in drafts[0].lines] == ["W3"]


def test_a_cancel_after_sending_tells_the_supplier_once(
    db: Database, scope: Scope, smtp: tuple[Inbox, SmtpMailer]
) -> None:
    inbox, mailer = smtp
    two_suppliers(db, scope)
    placed = o.order(db, scope, "W1", ("SNK", 3))
    send_due(db, mailer, merchant_id=scope.merchant_id)
    o.change(db, scope, "cancel", placed.id, ("SNK", 1))
    (po,) = records.list_purchase_orders(db, scope)
    assert (po.state, po.notice) == ("sent", "amended")
    assert send_due(db, mailer, merchant_id=scope.merchant_id).notices == [po.id]
    amended = inbox.messages[-1]
    assert amended["Subject"] == f"Purchase order - amended {po.number}" and amended["In-Reply-To"] == po.message_id
    assert amended["Message-ID"] != po.message_id
    assert "2 x SNK" in str(amended.get_body(("plain",)).get_content())  # type: ignore[union-attr]
    assert records.get_purchase_order(db, scope, po.id).notice is None
    o.change(db, scope, "cancel", placed.id)
    assert records.get_purchase_order(db, scope, po.id).state == "cancelled"
    send_due(db, mailer, merchant_id=scope.merchant_id)
    send_due(db, mailer, merchant_id=scope.merchant_id)
    subjects = [m["Subject"] for m in inbox.messages]
    assert subjects.count(f"Purchase order - cancelled {po.number}") == 1 and len(inbox.messages) == 3


def _due_now(db: Database, po_id: int) -> None:
    """Bring a draft's send time to now (its schedule's time has come)."""
    with db.write() as conn:
        conn.execute(
            update(purchase_orders)
            .where(purchase_orders.c.id == po_id)
            .values(send_due_at=db_time(utcnow() - timedelta(seconds=1)))
        )


def test_the_worker_mails_a_purchase_order_booked_for_a_supplier_that_sends_now(
    db: Database, scope: Scope, smtp: tuple[Inbox, SmtpMailer]
) -> None:
    inbox, mailer = smtp
    two_suppliers(db, scope)
    settings = Settings(database_url=db.url, smtp_host=mailer.host, smtp_port=mailer.port, po_interval_s=0.05)
    stop = start_purchase_orders(db, settings, merchant_id=scope.merchant_id)
    try:
        o.order(db, scope, "W1", ("CAP", 2))
        until(lambda: records.list_purchase_orders(db, scope)[0].state == "sent", "the worker to send the PO")
    finally:
        stop()
    assert [m["To"] for m in inbox.messages] == ["po@bolt.example"]


def test_a_server_that_demands_a_login_takes_the_mail_with_the_right_password_only(db: Database, scope: Scope) -> None:
    two_suppliers(db, scope)
    o.order(db, scope, "W1", ("SNK", 3))
    (po,) = records.list_purchase_orders(db, scope)
    with smtp_server(login=("shop", "s3cret")) as (inbox, mailer):
        with pytest.raises(SendFailed) as anonymous:
            send_purchase_order(db, scope, po.id, mailer)
        wrong = replace(mailer, user="shop", password="guess")
        with pytest.raises(SendFailed) as refused:
            send_purchase_order(db, scope, po.id, wrong)
        assert "535" in refused.value.message and "530" in anonymous.value.message
        assert records.get_purchase_order(db, scope, po.id).send_attempts == 2
        sent = send_purchase_order(db, scope, po.id, replace(mailer, user="shop", password="s3cret"))
    assert sent.state == "sent" and [m["To"] for m in inbox.messages] == ["po@acme.example"]


def test_two_workers_racing_mail_each_purchase_order_once(
    db: Database, scope: Scope, smtp: tuple[Inbox, SmtpMailer]
) -> None:
    inbox, mailer = smtp
    two_suppliers(db, scope)
    for n in range(6):
        o.order(db, scope, f"W{n}", ("SNK", 1), ("CAP", 1))
    start = threading.Barrier(2)
    reports: list[list[int]] = []

    def worker() -> None:
        start.wait()
        reports.append(send_due(db, mailer, merchant_id=scope.merchant_id).sent)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = [p.id for p in records.list_purchase_orders(db, scope)]
    assert sorted(reports[0] + reports[1]) == sorted(every) and len(every) == 12
    assert sorted(str(m["Message-ID"]) for m in inbox.messages) == sorted(
        p.message_id for p in records.list_purchase_orders(db, scope)
    )
