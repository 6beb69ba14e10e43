"""Late purchase orders raise one alert and send at most one follow-up mail a day; a supplier's
reliability comes from the recorded facts (on both backends, a real SMTP server)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from tests import order_factories as o
from tests.purchase_factories import two_suppliers
from tests.smtp_server import Inbox, smtp_server
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.channels import events
from truecount.adapters.db.tables.purchasing import purchase_orders
from truecount.adapters.mail import SmtpMailer
from truecount.services.common.scope import Scope, as_utc, db_time
from truecount.services.purchasing import records
from truecount.services.purchasing.sending import send_due
from truecount.services.purchasing.tardy import LATE_TOPIC, chase_late, supplier_reliability


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, SmtpMailer]]:
    with smtp_server() as running:
        yield running


def late_alerts(db: Database, scope: Scope) -> int:
    with db.read() as conn:
        found = conn.execute(
            select(events.c.id).where(events.c.merchant_id == scope.merchant_id, events.c.topic == LATE_TOPIC)
        ).all()
    return len(found)


def test_a_late_purchase_order_alerts_once_and_sends_one_follow_up_a_day(
    db: Database, scope: Scope, smtp: tuple[Inbox, SmtpMailer]
) -> None:
    inbox, mailer = smtp
    two_suppliers(db, scope, lead_days=2)
    o.order(db, scope, "W1", ("SNK", 3))
    send_due(db, mailer, merchant_id=scope.merchant_id)
    (po,) = records.list_purchase_orders(db, scope)
    sent = as_utc(datetime.fromisoformat(po.sent_at or ""))
    m = scope.merchant_id
    assert chase_late(db, mailer, sent + timedelta(days=1), m) == []  # within the lead time
    assert late_alerts(db, scope) == 0
    due = sent + timedelta(days=2, minutes=1)
    assert chase_late(db, mailer, due, m) == [po.id]
    assert chase_late(db, mailer, due + timedelta(minutes=5), m) == []  # not twice the same day
    assert chase_late(db, mailer, due + timedelta(hours=23), m) == []
    reminders = [x for x in inbox.messages if "reminder" in str(x["Subject"])]
    assert len(reminders) == 1 and reminders[0]["To"] == "po@acme.example"
    assert reminders[0]["In-Reply-To"] == po.message_id
    body = reminders[0].get_body(("plain",))
    assert body is not None and "not acknowledged nor shipped within 2 lead day(s)" in body.get_content()
    assert late_alerts(db, scope) == 1
    late = records.get_purchase_order(db, scope, po.id)
    assert late.late_at is not None and late.followed_up_at is not None
    records.acknowledge(db, scope, po.id)  # acknowledged but still not shipped: still late
    assert chase_late(db, mailer, due + timedelta(days=1, minutes=1), m) == [po.id]
    assert len([x for x in inbox.messages if "reminder" in str(x["Subject"])]) == 2
    assert late_alerts(db, scope) == 1  # the alert is raised once


def test_a_supplier_s_reliability_is_the_share_shipped_on_time_and_the_average_days(
    db: Database, scope: Scope, smtp: tuple[Inbox, SmtpMailer]
) -> None:
    _, mailer = smtp
    two_suppliers(db, scope, lead_days=2)
    assert supplier_reliability(db, scope, "ACME").on_time_percent is None
    for external_id in ("W1", "W2"):
        o.order(db, scope, external_id, ("SNK", 1))
    send_due(db, mailer, merchant_id=scope.merchant_id)
    second, first = records.list_purchase_orders(db, scope, supplier="ACME")
    # shipping (a supplier's tracking number) is not an act yet: its fact is recorded as it will be
    _shipped(db, first.id, first.sent_at, days=1)
    _shipped(db, second.id, second.sent_at, days=4)
    figures = supplier_reliability(db, scope, "ACME")
    assert (figures.sent, figures.shipped, figures.on_time_percent, figures.average_days_to_ship) == (2, 2, 50.0, 2.5)


def _shipped(db: Database, po_id: int, sent_at: str | None, days: int) -> None:
    moment = db_time(datetime.fromisoformat(sent_at or "") + timedelta(days=days))
    with db.write() as conn:
        conn.execute(
            update(purchase_orders).where(purchase_orders.c.id == po_id).values(state="shipped", shipped_at=moment)
        )
