"""The texts of the mails a supplier receives about a purchase order, and the rule for editing them.

Four templates, by name: ``send`` (the order itself), ``amend`` (part of it cancelled), ``cancel`` (all
of it cancelled) and ``follow-up`` (a reminder when it is late). Each is a :class:`string.Template`
text whose placeholders are filled when a mail is sent:

- ``$number`` (``PO-000042``), ``$supplier_name``, ``$lines`` (one ``quantity x SKU (your SKU)`` a
  line), ``$total``, ``$currency``, ``$sent`` (the date it was sent);
- ``$reason`` (why it is late) in ``follow-up`` only.

``$$`` is a dollar sign. A merchant may replace any template; :func:`check_template` refuses an
unknown placeholder (naming it) or a lone ``$``, so a saved text always fills.
"""

from __future__ import annotations

from string import Template

from .errors import InvalidInput, NotFound

SEND = "send"
AMEND = "amend"
CANCEL = "cancel"
FOLLOW_UP = "follow-up"
NAMES = (SEND, AMEND, CANCEL, FOLLOW_UP)
MAX_CHARS = 20_000

COMMON = ("number", "supplier_name", "lines", "total", "currency", "sent")
PLACEHOLDERS = {SEND: COMMON, AMEND: COMMON, CANCEL: COMMON, FOLLOW_UP: (*COMMON, "reason")}

DEFAULTS = {
    SEND: (
        "Dear $supplier_name,\n\nplease ship the following for purchase order $number:\n\n$lines\n\n"
        "Total: $total $currency. The attached PDF and CSV list the same lines.\n"
        "Please acknowledge this order by replying to this mail.\n"
    ),
    AMEND: (
        "Dear $supplier_name,\n\npurchase order $number (sent $sent) has changed: the customer cancelled part "
        "of it. Please ship only the following now:\n\n$lines\n\nTotal: $total $currency. The attached PDF and CSV "
        "replace the earlier ones.\n"
    ),
    CANCEL: (
        "Dear $supplier_name,\n\npurchase order $number (sent $sent) is cancelled: please do not ship anything "
        "for it. If you have already shipped, please tell us by replying to this mail.\n"
    ),
    FOLLOW_UP: (
        "Dear $supplier_name,\n\nwe have not yet heard about purchase order $number, sent $sent: it is $reason.\n"
        "Please tell us when it ships, or reply to acknowledge it. Still asked for:\n\n$lines\n"
    ),
}


def check_name(name: str, *, field: str = "name") -> str:
    """A template's name, one of :data:`NAMES`; else :class:`NotFound` naming them."""
    if name not in NAMES:
        raise NotFound(f"no mail template {name!r}: the templates are {', '.join(NAMES)}", field=field)
    return name


def check_template(name: str, text: str, *, field: str = "body") -> str:
    """A template text fit to save: not empty, at most :data:`MAX_CHARS` characters, every placeholder
    one the template fills, no lone ``$``. A refusal names the first unknown placeholder."""
    allowed = PLACEHOLDERS[check_name(name)]
    if not text.strip():
        raise InvalidInput("must not be empty", field=field)
    if len(text) > MAX_CHARS:
        raise InvalidInput(f"is longer than {MAX_CHARS} characters", field=field)
    template = Template(text)
    unknown = [p for p in template.get_identifiers() if p not in allowed]
    if unknown:
        raise InvalidInput(
            f"unknown placeholder ${unknown[0]}: the {name} template may use " + ", ".join(f"${p}" for p in allowed),
            field=field,
        )
    if not template.is_valid():
        raise InvalidInput("a lone $ that starts no placeholder: write $$ for a dollar sign", field=field)
    return text


def fill(text: str, values: dict[str, str]) -> str:
    """The mail's text: the template with its placeholders filled (a checked template always fills)."""
    return Template(text).substitute(values)
