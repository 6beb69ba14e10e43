"""Late purchase orders and a supplier's reliability.

A sent or acknowledged purchase order not shipped within its supplier's lead time after it was
sent is **late** (``domain.purchase_orders.lateness``). The worker's pass (:func:`chase_late`):

- the first time it is found late: ``late_at`` recorded and one outbox event ``purchase_order_late``
  ``{id, number, supplier, reason}`` (the alert), by a guarded ``UPDATE … WHERE late_at IS NULL``,
  so two passes announce it once;
- a **follow-up** mail (``Purchase order - reminder PO-…``) at most once a day per purchase order:
  claimed like a send, ``followed_up_at`` recorded when the mail went (a failed one is tried on the
  next pass).

:func:`supplier_reliability` measures a supplier from the recorded facts (sent, shipped).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, or_, select, update

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.purchasing import purchase_orders
from truecount.adapters.db.tables.suppliers import suppliers
from truecount.domain import purchase_orders as rules
from truecount.domain.errors import NotFound
from truecount.services.common.outbox import emit_event
from truecount.services.common.scope import Scope, db_time, utcnow

from . import mails
from .records import read
from .sending import BATCH, Mailer, claim, mail_after

LATE_TOPIC = "purchase_order_late"


def _facts(row: object) -> rules.Facts:
    return rules.Facts(
        getattr(row, "sent_at", None),
        getattr(row, "acknowledged_at", None),
        getattr(row, "shipped_at", None),
        str(getattr(row, "state", "")),
    )


def chase_late(db: Database, mailer: Mailer, now: datetime | None = None, merchant_id: int | None = None) -> list[int]:
    """Alert on newly late purchase orders and mail the follow-ups due; returns the ids followed up."""
    at = db_time(now or utcnow())
    p = purchase_orders.c
    query = (
        select(
            p.id,
            p.merchant_id,
            p.state,
            p.sent_at,
            p.acknowledged_at,
            p.shipped_at,
            p.late_at,
            p.followed_up_at,
            suppliers.c.lead_days,
            suppliers.c.code.label("supplier"),
        )
        .join(suppliers, suppliers.c.id == p.supplier_id)
        .where(p.state.in_((rules.SENT, rules.ACKNOWLEDGED)), p.sent_at <= at)
        .order_by(p.id)
    )
    if merchant_id is not None:
        query = query.where(p.merchant_id == merchant_id)
    with db.read() as conn:
        rows = conn.execute(query).all()
    followed: list[int] = []
    for row in rows:
        reason = rules.lateness(_facts(row), int(row.lead_days), at)
        if reason is None:
            continue
        po_id, m = int(row.id), int(row.merchant_id)
        with db.write() as conn:
            if row.late_at is None:
                _alert(conn, m, po_id, row.supplier, reason, at)
            if not rules.follow_up_due(row.followed_up_at, at):
                continue
            if not claim(
                conn, po_id, at, or_(p.followed_up_at.is_(None), p.followed_up_at <= at - rules.FOLLOW_UP_EVERY)
            ):
                continue
            po = read(conn, m, po_id)
        if mail_after(db, po, mails.FOLLOW_UP, {"followed_up_at": at}, p.id == po_id, mailer, reason=reason):
            followed.append(po_id)
        if len(followed) >= BATCH:
            break
    return followed


def _alert(conn: Connection, m: int, po_id: int, supplier: str, reason: str, at: datetime) -> None:
    p = purchase_orders.c
    if conn.execute(update(purchase_orders).where(p.id == po_id, p.late_at.is_(None)).values(late_at=at)).rowcount:
        payload = {"id": po_id, "number": rules.po_number(po_id), "supplier": supplier, "reason": reason}
        emit_event(conn, m, LATE_TOPIC, payload)


def supplier_reliability(db: Database, scope: Scope, code: str) -> rules.Reliability:
    """A supplier's record over its purchase orders (:func:`truecount.domain.purchase_orders.reliability`)."""
    p = purchase_orders.c
    with db.read() as conn:
        found = conn.execute(
            select(suppliers.c.id, suppliers.c.lead_days).where(
                suppliers.c.merchant_id == scope.merchant_id, suppliers.c.code == code
            )
        ).first()
        if found is None:
            raise NotFound(f"no supplier with code {code!r}", field="code")
        rows = conn.execute(
            select(p.state, p.sent_at, p.acknowledged_at, p.shipped_at).where(
                p.merchant_id == scope.merchant_id, p.supplier_id == found.id, p.sent_at.is_not(None)
            )
        ).all()
    return rules.reliability([_facts(r) for r in rows], int(found.lead_days))
