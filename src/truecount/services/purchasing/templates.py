"""A merchant's mail templates for purchase orders (``send``, ``amend``, ``cancel``, ``follow-up``):
read (the merchant's own text, else the built-in one), replaced (checked first: an unknown placeholder
is refused naming it, nothing saved) or reset to the built-in text. Sending reads them
(:func:`template_text`) in its own transaction."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, delete, select

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.purchasing import po_mail_templates
from truecount.domain import mail_templates as rules
from truecount.services.common.scope import Scope, db_time, utcnow
from truecount.services.common.sql import upsert_add


@dataclass(frozen=True, slots=True)
class MailTemplate:
    """One template: its name, its text, whether it is the merchant's own (``custom``) or the built-in
    one, the placeholders it may use, and when the merchant's text was saved (None: built-in)."""

    name: str
    body: str
    custom: bool
    placeholders: list[str]
    updated_at: str | None = None


def template_text(conn: Connection, merchant_id: int, name: str) -> str:
    """The text mailed for ``name``: the merchant's own, else the built-in one."""
    found = conn.execute(
        select(po_mail_templates.c.body).where(
            po_mail_templates.c.merchant_id == merchant_id, po_mail_templates.c.name == rules.check_name(name)
        )
    ).scalar_one_or_none()
    return rules.DEFAULTS[name] if found is None else str(found)


def _view(conn: Connection, merchant_id: int, name: str) -> MailTemplate:
    row = conn.execute(
        select(po_mail_templates.c.body, po_mail_templates.c.updated_at).where(
            po_mail_templates.c.merchant_id == merchant_id, po_mail_templates.c.name == name
        )
    ).first()
    placeholders = list(rules.PLACEHOLDERS[name])
    if row is None:
        return MailTemplate(name, rules.DEFAULTS[name], False, placeholders)
    when = row.updated_at.isoformat(timespec="seconds") + "Z"
    return MailTemplate(name, str(row.body), True, placeholders, when)


def get_template(db: Database, scope: Scope, name: str) -> MailTemplate:
    """One template as it is mailed now (:class:`NotFound` naming ``name`` for an unknown one)."""
    rules.check_name(name)
    with db.read() as conn:
        return _view(conn, scope.merchant_id, name)


def list_templates(db: Database, scope: Scope) -> list[MailTemplate]:
    """Every template, in the order ``send``, ``amend``, ``cancel``, ``follow-up``."""
    with db.read() as conn:
        return [_view(conn, scope.merchant_id, name) for name in rules.NAMES]


def set_template(db: Database, scope: Scope, name: str, body: str) -> MailTemplate:
    """Replace a template with the merchant's own text, checked first (nothing saved on a refusal)."""
    rules.check_template(name, body)
    m = scope.merchant_id
    now = db_time(utcnow())
    with db.write() as conn:  # one upsert: two saves at once never collide on the key
        upsert_add(conn, po_mail_templates, {"merchant_id": m, "name": name}, {}, {"body": body, "updated_at": now})
        return _view(conn, m, name)


def reset_template(db: Database, scope: Scope, name: str) -> MailTemplate:
    """Back to the built-in text (the merchant's own is dropped)."""
    rules.check_name(name)
    t = po_mail_templates.c
    with db.write() as conn:
        conn.execute(delete(po_mail_templates).where(t.merchant_id == scope.merchant_id, t.name == name))
        return _view(conn, scope.merchant_id, name)
