"""Mail purchase orders to their suppliers, and amendments and cancellations of sent ones.

A send is three steps, none holding a transaction open over the network:

1. **claim** (a transaction): a guarded ``UPDATE … SET claimed_until = now + lease WHERE state =
   'draft' AND (claimed_until IS NULL OR claimed_until < now)`` — one sender at a time; the draft
   stops collecting lines;
2. **mail** it (the purchase order as it is now, with its own Message-ID, the same on every try);
3. **record** (a transaction): ``sent`` with ``sent_at``; or, when the mail failed, the error, one
   more attempt and the next try ``po_retry_s`` later (doubling, at most an hour) — the purchase
   order stays a draft and nothing is lost.

A sender that dies between 2 and 3 leaves the claim to expire; the next try mails the same
Message-ID again, which the receiving mail system recognises as the same message. A draft
cancelled or amended while its mail was on the way is recorded as sent and marked to tell the
supplier (``notice``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any, Protocol

from sqlalchemy import Connection, or_, select, update

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.purchasing import purchase_orders
from truecount.domain import purchase_orders as rules
from truecount.domain.errors import Conflict, TruecountError
from truecount.services.common.scope import Scope, db_time, utcnow

from . import mails
from .records import PurchaseOrderView, read
from .templates import template_text

LEASE = timedelta(minutes=5)
MAX_RETRY = timedelta(hours=1)
BATCH = 50


class Mailer(Protocol):
    """Delivers one message or raises (any exception: the send failed, its text is the reason)."""

    def send(self, message: EmailMessage) -> None: ...


class SendFailed(TruecountError):
    """The mail server did not take the purchase order; it stays a draft and is retried."""

    code = "send_failed"
    status = 502


@dataclass(frozen=True, slots=True)
class SendReport:
    """What one pass mailed: purchase orders sent, failed, and notices (amendments, cancellations) sent."""

    sent: list[int]
    failed: list[int]
    notices: list[int]


def claim(conn: Connection, po_id: int, now: datetime, *where: Any) -> bool:
    po = purchase_orders.c
    free = or_(po.claimed_until.is_(None), po.claimed_until < now)
    return bool(
        conn.execute(
            update(purchase_orders)
            .where(po.id == po_id, free, *where)
            .values(claimed_until=now + LEASE, collecting=False)
        ).rowcount
    )


def _retry_after(attempts: int, retry_s: float) -> timedelta:
    return min(timedelta(seconds=retry_s * 2 ** max(attempts - 1, 0)), MAX_RETRY)


def _mail_draft(db: Database, m: int, po_id: int, mailer: Mailer, retry_s: float) -> str | None:
    """Mail a claimed draft and record the outcome; the error text, or None when it was sent."""
    with db.read() as conn:
        po = read(conn, m, po_id)
        text = template_text(conn, m, mails.TEMPLATE_OF[mails.ORDER])
    error: str | None = None
    if any(line.quantity > line.cancelled for line in po.lines):
        try:
            mailer.send(mails.message_for(po, mails.ORDER, po.message_id, template=text))
        except Exception as failed:  # any failure of the mail path: recorded, retried
            error = str(failed)[:500] or type(failed).__name__
    now = db_time(utcnow())
    p = purchase_orders.c
    with db.write() as conn:
        if error is not None:
            conn.execute(
                update(purchase_orders)
                .where(p.id == po_id, p.state == rules.DRAFT)
                .values(
                    send_error=error,
                    send_attempts=p.send_attempts + 1,
                    claimed_until=None,
                    send_due_at=now + _retry_after(po.send_attempts + 1, retry_s),
                )
            )
            conn.execute(update(purchase_orders).where(p.id == po_id).values(claimed_until=None))  # if cancelled
            return error
        sent = {"sent_at": now, "send_error": None, "send_attempts": p.send_attempts + 1, "claimed_until": None}
        hit = conn.execute(
            update(purchase_orders).where(p.id == po_id, p.state == rules.DRAFT).values(state=rules.SENT, **sent)
        ).rowcount
        if not hit:  # cancelled while its mail was on the way: the supplier has it and must be told
            conn.execute(update(purchase_orders).where(p.id == po_id).values(notice=rules.CANCELLED, **sent))
        elif po.lines != read(conn, m, po_id).lines:  # amended while on the way
            conn.execute(update(purchase_orders).where(p.id == po_id).values(notice="amended"))
    return None


def send_purchase_order(
    db: Database, scope: Scope, po_id: int, mailer: Mailer, retry_s: float = 60.0
) -> PurchaseOrderView:
    """Mail one draft now, whatever its schedule (``po send``); a purchase order in another state is
    refused (409) naming it, one being sent by another sender too. A failed mail is :class:`SendFailed`
    (the draft keeps the error and the worker retries it)."""
    m = scope.merchant_id
    now = db_time(utcnow())
    with db.write() as conn:
        state = read(conn, m, po_id).state
        rules.check_act(rules.po_number(po_id), state, rules.SEND)
        if not claim(conn, po_id, now, purchase_orders.c.merchant_id == m, purchase_orders.c.state == rules.DRAFT):
            raise Conflict(f"purchase order {rules.po_number(po_id)} is being sent", field="state")
    error = _mail_draft(db, m, po_id, mailer, retry_s)
    if error is not None:
        raise SendFailed(f"{rules.po_number(po_id)} was not sent, it stays a draft: {error}", field="smtp")
    with db.read() as conn:
        return read(conn, m, po_id)


def _due(conn: Connection, now: datetime, merchant_id: int | None, *where: Any) -> list[tuple[int, int]]:
    p = purchase_orders.c
    query = select(p.merchant_id, p.id).where(or_(p.claimed_until.is_(None), p.claimed_until < now), *where)
    if merchant_id is not None:
        query = query.where(p.merchant_id == merchant_id)
    return [(int(m), int(i)) for m, i in conn.execute(query.order_by(p.id).limit(BATCH)).all()]


def send_due(db: Database, mailer: Mailer, *, retry_s: float = 60.0, merchant_id: int | None = None) -> SendReport:
    """One pass of the worker: mail every draft whose time has come, then every notice still to tell."""
    now = db_time(utcnow())
    p = purchase_orders.c
    sent: list[int] = []
    failed: list[int] = []
    with db.read() as conn:
        due = _due(conn, now, merchant_id, p.state == rules.DRAFT, p.send_due_at <= now)
    for m, po_id in due:
        with db.write() as conn:
            if not claim(conn, po_id, now, p.state == rules.DRAFT, p.send_due_at <= now):
                continue
        (sent if _mail_draft(db, m, po_id, mailer, retry_s) is None else failed).append(po_id)
    return SendReport(sent, failed, send_notices(db, mailer, now, merchant_id))


def send_notices(db: Database, mailer: Mailer, now: datetime, merchant_id: int | None = None) -> list[int]:
    """Tell suppliers of amended and cancelled purchase orders they have (one mail per change; a
    failure is tried again on the next pass)."""
    p = purchase_orders.c
    with db.read() as conn:
        due = _due(conn, now, merchant_id, p.notice.is_not(None), p.state != rules.DRAFT)
    told: list[int] = []
    for m, po_id in due:
        with db.write() as conn:
            if not claim(conn, po_id, now, p.notice.is_not(None)):
                continue
            po = read(conn, m, po_id)
        notice = po.notice or ""
        purpose = mails.CANCELLED if notice == rules.CANCELLED else mails.AMENDED
        if mail_after(db, po, purpose, {"notice": None}, p.notice == notice, mailer):
            told.append(po_id)
    return told


def mail_after(
    db: Database,
    po: PurchaseOrderView,
    purpose: str,
    on_sent: dict[str, Any],
    still: Any,
    mailer: Mailer,
    reason: str = "",
) -> bool:
    """Mail a claimed purchase order's later message (its own Message-ID); on success apply
    the ``on_sent`` values where ``still`` holds (a newer change is told on the next pass). The claim is let go."""
    p = purchase_orders.c
    with db.read() as conn:
        m = conn.execute(select(p.merchant_id).where(p.id == po.id)).scalar_one()
        text = template_text(conn, int(m), mails.TEMPLATE_OF[purpose])
    try:
        message_id = mails.notice_id(po, _notices(db, po.id) + 1)
        mailer.send(mails.message_for(po, purpose, message_id, reason=reason, template=text))
    except Exception:  # tried again on the next pass
        with db.write() as conn:
            conn.execute(update(purchase_orders).where(p.id == po.id).values(claimed_until=None))
        return False
    with db.write() as conn:
        conn.execute(
            update(purchase_orders).where(p.id == po.id).values(notices_sent=p.notices_sent + 1, claimed_until=None)
        )
        conn.execute(update(purchase_orders).where(p.id == po.id, still).values(**on_sent))
    return True


def _notices(db: Database, po_id: int) -> int:
    with db.read() as conn:
        found = conn.execute(select(purchase_orders.c.notices_sent).where(purchase_orders.c.id == po_id)).scalar()
    return int(found or 0)
