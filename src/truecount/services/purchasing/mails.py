"""The mails a supplier receives about a purchase order: the order itself, an amendment, a
cancellation and a reminder (follow-up) — each with the PDF and the CSV of what is asked now.

Texts are templates (:class:`string.Template`): ``$number``, ``$supplier_name``, ``$lines``
(one ``quantity x SKU (your SKU)`` a line), ``$total``, ``$currency``, ``$sent`` (the date the
purchase order was sent) and ``$reason`` (why a reminder).
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate
from string import Template

from .documents import HEADINGS, open_lines, render_csv, render_pdf
from .records import PurchaseOrderView

ORDER = "order"
AMENDED = "amended"
CANCELLED = "cancelled"
FOLLOW_UP = "follow_up"

TEMPLATES = {
    ORDER: Template(
        "Dear $supplier_name,\n\nplease ship the following for purchase order $number:\n\n$lines\n\n"
        "Total: $total $currency. The attached PDF and CSV list the same lines.\n"
        "Please acknowledge this order by replying to this mail.\n"
    ),
    AMENDED: Template(
        "Dear $supplier_name,\n\npurchase order $number (sent $sent) has changed: the customer cancelled part "
        "of it. Please ship only the following now:\n\n$lines\n\nTotal: $total $currency. The attached PDF and CSV "
        "replace the earlier ones.\n"
    ),
    CANCELLED: Template(
        "Dear $supplier_name,\n\npurchase order $number (sent $sent) is cancelled: please do not ship anything "
        "for it. If you have already shipped, please tell us by replying to this mail.\n"
    ),
    FOLLOW_UP: Template(
        "Dear $supplier_name,\n\nwe have not yet heard about purchase order $number, sent $sent: it is $reason.\n"
        "Please tell us when it ships, or reply to acknowledge it. Still asked for:\n\n$lines\n"
    ),
}


def message_for(po: PurchaseOrderView, purpose: str, message_id: str, *, reason: str = "") -> EmailMessage:
    """The mail for ``purpose`` (order, amended, cancelled, follow_up): To the supplier's address, the
    text, the PDF and the CSV attached. A mail after the order refers to it (In-Reply-To)."""
    lines = "\n".join(
        f"  {quantity} x {sku}" + (f" (your {theirs})" if theirs else "") + f"  - order {order}, line {line}"
        for order, line, sku, theirs, quantity, _cost, _total in open_lines(po)
    )
    text = TEMPLATES[purpose].substitute(
        number=po.number,
        supplier_name=po.supplier_name,
        lines=lines or "  (nothing)",
        total=po.total,
        currency=po.currency,
        sent=(po.sent_at or po.created_at)[:10],
        reason=reason,
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
