"""The mails a supplier receives about a purchase order: the order itself, an amendment, a
cancellation and a reminder (follow-up) — each with the PDF and the CSV of what is asked now.

Texts are the merchant's templates (:mod:`truecount.domain.mail_templates`, edited through
:mod:`.templates`; the built-in ones when none is saved).
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate

from truecount.domain import mail_templates

from .documents import HEADINGS, open_lines, render_csv, render_pdf
from .records import PurchaseOrderView

ORDER = "order"
AMENDED = "amended"
CANCELLED = "cancelled"
FOLLOW_UP = "follow_up"

TEMPLATE_OF = {  # the template each purpose is written with
    ORDER: mail_templates.SEND,
    AMENDED: mail_templates.AMEND,
    CANCELLED: mail_templates.CANCEL,
    FOLLOW_UP: mail_templates.FOLLOW_UP,
}


def message_for(
    po: PurchaseOrderView, purpose: str, message_id: str, *, reason: str = "", template: str | None = None
) -> EmailMessage:
    """The mail for ``purpose`` (order, amended, cancelled, follow_up): To the supplier's address, the
    text (``template`` filled: the merchant's text, else the built-in one), the PDF and the CSV attached.
    A mail after the order refers to it (In-Reply-To)."""
    lines = "\n".join(
        f"  {quantity} x {sku}" + (f" (your {theirs})" if theirs else "") + f"  - order {order}, line {line}"
        for order, line, sku, theirs, quantity, _cost, _total in open_lines(po)
    )
    text = mail_templates.fill(
        mail_templates.DEFAULTS[TEMPLATE_OF[purpose]] if template is None else template,
        {
            "number": po.number,
            "supplier_name": po.supplier_name,
            "lines": lines or "  (nothing)",
            "total": po.total,
            "currency": po.currency,
            "sent": (po.sent_at or po.created_at)[:10],
            "reason": reason,
        },
    )
    message = EmailMessage()
    message["To"] = po.email
    message["Subject"] = f"{HEADINGS[purpose]} {po.number}"
    message["Message-ID"] = message_id
    message["Date"] = formatdate(usegmt=True)
    if purpose != ORDER:
        message["In-Reply-To"] = po.message_id
        message["References"] = po.message_id
    message.set_content(text)
    message.add_attachment(render_pdf(po, purpose), maintype="application", subtype="pdf", filename=f"{po.number}.pdf")
    message.add_attachment(render_csv(po).encode(), maintype="text", subtype="csv", filename=f"{po.number}.csv")
    return message


def notice_id(po: PurchaseOrderView, number: int) -> str:
    """The Message-ID of the ``number``-th mail after the order (amendment, cancellation, reminder)."""
    local, _, domain = po.message_id.strip("<>").partition("@")
    return f"<{local}.{number}@{domain}>"
