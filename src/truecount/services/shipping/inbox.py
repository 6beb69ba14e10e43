"""Suppliers' replies read from a mailbox folder (``po inbox PATH``; the worker polls
``TRUECOUNT_PO_INBOX``): a Maildir (a directory with ``cur``/``new``) or an mbox file, through the
standard library's ``mailbox`` and ``email``.

Each message is read once, by its Message-ID (``inbox_messages``). One naming a purchase order (its
Message-ID in ``In-Reply-To``/``References``, else ``PO-000042`` in the subject) that carries a
tracking number and a carrier becomes a shipment (:func:`.ship.ship_in`, source ``mail``); an
acknowledgement acknowledges a sent purchase order. The message is remembered in the same transaction
as what it did, so two readers never act on it twice. A message that cannot be read (no Message-ID,
no plain text, no purchase order, nothing usable, a shipment refused) is reported with the reason;
one with a Message-ID is remembered as ``unread`` and not reported again. The mailbox is never
changed.
"""

from __future__ import annotations

import mailbox
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.purchasing import inbox_messages, purchase_orders
from truecount.domain import purchase_orders as po_rules
from truecount.domain import supplier_replies as replies
from truecount.domain.errors import InvalidInput, TruecountError
from truecount.domain.shipments import check
from truecount.services.common.scope import Scope, db_time, utcnow
from truecount.services.common.sql import insert_ignore
from truecount.services.purchasing.records import move

from .ship import ship_in

SHIPPED = "shipped"
ACKNOWLEDGED = "acknowledged"
UNREAD = "unread"


@dataclass(frozen=True, slots=True)
class InboxEntry:
    """One message read now: its Message-ID (None: it has none), subject, the purchase order it named
    (``PO-000042``, None: none found), what became of it and why."""

    message_id: str | None
    subject: str
    purchase_order: str | None
    outcome: str  # shipped, acknowledged, unread
    detail: str


@dataclass(frozen=True, slots=True)
class InboxReport:
    """What a pass over the mailbox did: each message read now, and how many were read before."""

    entries: list[InboxEntry] = field(default_factory=list)
    already_read: int = 0


class _Done(Exception):
    """Another reader remembered the message first: nothing is done."""


def read_inbox(db: Database, path: Path, *, merchant_id: int | None, actor: str, max_quantity: int) -> InboxReport:
    """Read every message of the mailbox at ``path`` not read before (see the module); ``merchant_id``
    None: any merchant's purchase orders (the worker), else only that merchant's."""
    entries: list[InboxEntry] = []
    before = 0
    for raw in _messages(path):
        message = _parse(raw)
        message_id = (str(message.get("Message-ID", "")).strip() if message is not None else "") or None
        subject = str(message.get("Subject", "")) if message is not None else ""
        if message_id is None:
            reason = "no Message-ID: cannot be remembered, so it is not acted on"
            entries.append(InboxEntry(None, subject[:200], None, UNREAD, reason))
            continue
        if _known(db, message_id):
            before += 1
            continue
        assert message is not None
        entry = _handle(db, message, message_id, subject[:200], merchant_id, actor, max_quantity)
        if entry is None:
            before += 1
        else:
            entries.append(entry)
    return InboxReport(entries, before)


def _messages(path: Path) -> Iterator[bytes]:
    if path.is_dir():
        if not (path / "cur").is_dir() and not (path / "new").is_dir():
            raise InvalidInput(f"{path} is a directory but not a Maildir (no cur/ nor new/)", field="path")
        box: mailbox.Mailbox[Any] = mailbox.Maildir(str(path), factory=None, create=False)
    elif path.is_file():
        box = mailbox.mbox(str(path), create=False)
    else:
        raise InvalidInput(f"{path} is neither a Maildir directory nor an mbox file", field="path")
    try:
        for key in sorted(box.keys()):
            yield box.get_bytes(key)
    finally:
        box.close()


def _parse(raw: bytes) -> EmailMessage | None:
    try:
        parsed = message_from_bytes(raw, policy=policy.default)
    except Exception:  # the parser is lenient; a failure here is a message nobody can read
        return None
    return parsed if isinstance(parsed, EmailMessage) else None


def _known(db: Database, message_id: str) -> bool:
    with db.read() as conn:
        found = conn.execute(select(inbox_messages.c.id).where(inbox_messages.c.message_id == message_id)).first()
    return found is not None


def _handle(
    db: Database,
    message: EmailMessage,
    message_id: str,
    subject: str,
    merchant_id: int | None,
    actor: str,
    max_quantity: int,
) -> InboxEntry | None:
    def unread(po: tuple[int, int] | None, reason: str) -> InboxEntry | None:
        number = po_rules.po_number(po[0]) if po else None
        with db.write() as conn:
            if not _remember(conn, message_id, po[1] if po else None, UNREAD, reason):
                return None
        return InboxEntry(message_id, subject, number, UNREAD, reason)

    with db.read() as conn:
        po = _purchase_order(conn, message, merchant_id)
    if po is None:
        return unread(None, "names no purchase order (In-Reply-To, References or PO-… in the subject)")
    po_id, m = po
    number = po_rules.po_number(po_id)
    try:
        reply = replies.read_reply(_text(message))
        command = None if reply.ship is None else check(reply.ship, max_quantity)
    except (replies.Unreadable, InvalidInput) as bad:
        return unread(po, str(bad))
    scope = Scope(m, actor, max_quantity)
    outcome = SHIPPED if command is not None else ACKNOWLEDGED
    try:
        with db.write() as conn:
            if not _remember(conn, message_id, m, outcome, None):
                raise _Done
            if command is not None:
                done = ship_in(conn, scope, po_id, command, "mail")
                detail = f"{command.carrier} {command.tracking}: {number} now {done.purchase_order.state}"
            else:
                move(conn, m, po_id, po_rules.ACKNOWLEDGE, {"state": po_rules.ACKNOWLEDGED, "acknowledged_at": _now()})
                detail = f"{number} acknowledged"
    except _Done:
        return None
    except TruecountError as refused:
        return unread(po, f"refused: {refused}")
    return InboxEntry(message_id, subject, number, outcome, detail)


def _now() -> Any:
    return db_time(utcnow())


def _remember(conn: Connection, message_id: str, merchant_id: int | None, outcome: str, detail: str | None) -> bool:
    row = {
        "message_id": message_id[:300],
        "merchant_id": merchant_id,
        "outcome": outcome,
        "detail": detail[:500] if detail else None,
        "read_at": _now(),
    }
    return insert_ignore(conn, inbox_messages, row)


def _purchase_order(conn: Connection, message: EmailMessage, merchant_id: int | None) -> tuple[int, int] | None:
    """(id, merchant) of the purchase order the message answers."""
    po = purchase_orders.c
    mine = [] if merchant_id is None else [po.merchant_id == merchant_id]
    ids = replies.message_ids(str(message.get("In-Reply-To", "")), str(message.get("References", "")))
    if ids:
        found = conn.execute(
            select(po.id, po.merchant_id).where(po.message_id.in_(ids), *mine).order_by(po.id).limit(1)
        ).first()
        if found is not None:
            return int(found.id), int(found.merchant_id)
    named = replies.po_number_in(str(message.get("Subject", "")))
    if named is None:
        return None
    found = conn.execute(select(po.id, po.merchant_id).where(po.id == named, *mine)).first()
    return None if found is None else (int(found.id), int(found.merchant_id))


def _text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    if body is None:
        raise replies.Unreadable("has no plain text part")
    try:
        content = body.get_content()
    except (LookupError, ValueError) as bad:
        raise replies.Unreadable(f"its text cannot be decoded ({bad})") from None
    if not isinstance(content, str):
        raise replies.Unreadable("its text part is not text")
    return content
