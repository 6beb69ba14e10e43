"""A merchant's own purchase order mail texts, on both backends: saved templates are what the supplier
reads (order, amendment, cancellation, follow-up) through a real SMTP server; an unknown placeholder or
a lone $ is refused naming it and nothing is saved; a reset brings the built-in text back."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import pytest

from tests import order_factories as o
from tests.purchase_factories import two_suppliers
from tests.smtp_server import Inbox, smtp_server
from truecount.adapters.db.engine import Database
from truecount.adapters.mail import SmtpMailer
from truecount.domain import mail_templates
from truecount.domain.errors import InvalidInput, NotFound
from truecount.services.common.scope import Scope, as_utc
from truecount.services.purchasing import records, templates
from truecount.services.purchasing.sending import send_due
from truecount.services.purchasing.tardy import chase_late


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, SmtpMailer]]:
    with smtp_server() as running:
        yield running


def text_of(inbox: Inbox, n: int) -> str:
    body = inbox.messages[n].get_body(("plain",))
    assert body is not None
    return str(body.get_content()).replace("\r\n", "\n")  # lines travel as CRLF


def test_edited_templates_are_the_text_of_every_mail_the_supplier_receives(
    db: Database, scope: Scope, smtp: tuple[Inbox, SmtpMailer]
) -> None:
    inbox, mailer = smtp
    two_suppliers(db, scope, lead_days=2)
    templates.set_template(db, scope, "send", "Hello $supplier_name, order $number costs $$$total $currency:\n$lines\n")
    templates.set_template(db, scope, "amend", "Changed: $number now asks\n$lines\n")
    templates.set_template(db, scope, "cancel", "Forget $number (sent $sent).\n")
    templates.set_template(db, scope, "follow-up", "Where is ${number}? It is $reason.\n")
    placed = o.order(db, scope, "W1", ("SNK", 3))
    send_due(db, mailer, merchant_id=scope.merchant_id)
    (po,) = records.list_purchase_orders(db, scope)
    sent = text_of(inbox, 0)
    assert sent.startswith(f"Hello ACME Ltd, order {po.number} costs $37.50 EUR:\n  3 x SNK (your AC-SNK)")
    assert "Dear" not in sent and inbox.messages[0]["Subject"] == f"Purchase order {po.number}"
    o.change(db, scope, "cancel", placed.id, ("SNK", 1))
    send_due(db, mailer, merchant_id=scope.merchant_id)
    assert text_of(inbox, 1).startswith(f"Changed: {po.number} now asks\n  2 x SNK")
    due = as_utc(datetime.fromisoformat(records.get_purchase_order(db, scope, po.id).sent_at or ""))
    assert chase_late(db, mailer, due + timedelta(days=2, minutes=1), scope.merchant_id) == [po.id]
    reminder = text_of(inbox, 2)
    assert reminder.startswith(f"Where is {po.number}? It is not acknowledged nor shipped within 2 lead day(s)")
    assert "Dear" not in reminder and "Still asked for" not in reminder
    o.change(db, scope, "cancel", placed.id)
    send_due(db, mailer, merchant_id=scope.merchant_id)
    assert text_of(inbox, 3) == f"Forget {po.number} (sent {(po.sent_at or '')[:10]}).\n"
    assert len(inbox.messages) == 4


def test_an_unknown_placeholder_is_refused_naming_it_and_nothing_is_saved(db: Database, scope: Scope) -> None:
    templates.set_template(db, scope, "send", "Order $number please.\n")
    with pytest.raises(InvalidInput) as unknown:
        templates.set_template(db, scope, "send", "Order $number for $customer.\n")
    assert unknown.value.field == "body" and "$customer" in unknown.value.message
    with pytest.raises(InvalidInput) as reason:  # only a follow-up says why it is late
        templates.set_template(db, scope, "cancel", "Cancelled: $reason\n")
    assert "$reason" in reason.value.message
    with pytest.raises(InvalidInput) as lone:
        templates.set_template(db, scope, "send", "Order $number costs $ 5.\n")
    assert lone.value.field == "body" and "$$" in lone.value.message
    with pytest.raises(InvalidInput):
        templates.set_template(db, scope, "send", "   \n")
    with pytest.raises(NotFound) as name:
        templates.set_template(db, scope, "invoice", "Hello\n")
    assert name.value.field == "name" and "follow-up" in name.value.message
    kept = templates.get_template(db, scope, "send")
    assert (kept.body, kept.custom) == ("Order $number please.\n", True)
    assert templates.get_template(db, scope, "cancel").body == mail_templates.DEFAULTS["cancel"]


def test_a_reset_brings_back_the_built_in_text_and_templates_are_per_merchant(
    db: Database, scope: Scope, fresh_scope: Callable[[], Scope]
) -> None:
    other = fresh_scope()
    templates.set_template(db, scope, "send", "Mine: $number\n")
    listed = {t.name: t for t in templates.list_templates(db, scope)}
    assert list(listed) == ["send", "amend", "cancel", "follow-up"]
    assert listed["send"].custom and not listed["amend"].custom and listed["send"].updated_at
    assert "reason" in listed["follow-up"].placeholders and "reason" not in listed["send"].placeholders
    assert templates.get_template(db, other, "send").body == mail_templates.DEFAULTS["send"]
    back = templates.reset_template(db, scope, "send")
    assert (back.body, back.custom, back.updated_at) == (mail_templates.DEFAULTS["send"], False, None)
