"""What a supplier's reply mail says about a purchase order: which one (its Message-ID in
``In-Reply-To``/``References``, or its number ``PO-000042`` in the subject), and whether it is a
shipment (a tracking number and a carrier) or an acknowledgement. Pure; nothing is guessed.

Accepted forms, one per line of the plain text (case-insensitive, spaces around ``:`` free; quoted
lines starting with ``>`` are ignored):

- ``Tracking: 1Z999AA10123456784`` (also ``Tracking number:``, ``Tracking no:``, ``Tracking #:``)
- ``Carrier: UPS`` (also ``Shipped via: UPS``)
- ``Tracking URL: https://…`` (optional)
- ``Line: SNK x 2`` or ``Line: SNK:2`` (optional, repeatable; none: everything still open)
- ``Acknowledged`` or ``Confirmed`` alone on a line, or ``Status: acknowledged`` / ``Status: confirmed``

A reply with a tracking number but no carrier (or a carrier but no tracking number), two different
tracking numbers or carriers, or a ``Line:`` that is not ``SKU x QTY`` cannot be read: it is reported,
never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .shipments import ShipLine, ShipPurchaseOrder

PO_NUMBER = re.compile(r"\bPO-(\d{6,12})\b", re.IGNORECASE)
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_TRACKING = re.compile(r"tracking\s*(?:number|no\.?|#)?\s*:\s*(\S+)\s*$", re.IGNORECASE)
_URL = re.compile(r"tracking\s*url\s*:\s*(\S+)\s*$", re.IGNORECASE)
_CARRIER = re.compile(r"(?:carrier|shipped\s+via)\s*:\s*(.+?)\s*$", re.IGNORECASE)
_LINE = re.compile(r"line\s*:\s*(.*?)\s*$", re.IGNORECASE)
_LINE_VALUE = re.compile(r"(\S+?)\s*(?:\s[x×]\s*|:)\s*(\d{1,9})", re.IGNORECASE)
_ACK = re.compile(r"(?:status\s*:\s*)?(?:acknowledged|confirmed)[.!]?\s*$", re.IGNORECASE)


class Unreadable(Exception):
    """The mail cannot be read as a shipment or an acknowledgement; the message says why."""


@dataclass(frozen=True, slots=True)
class Reply:
    """A reply read: a shipment (``ship``), or an acknowledgement (``ship`` None, ``acknowledged``)."""

    ship: ShipPurchaseOrder | None
    acknowledged: bool


def message_ids(*headers: str | None) -> list[str]:
    """Every ``<id>`` in ``In-Reply-To`` and ``References`` (in order, once each)."""
    found: list[str] = []
    for header in headers:
        for token in _MESSAGE_ID.findall(header or ""):
            if token not in found:
                found.append(token)
    return found


def po_number_in(subject: str | None) -> int | None:
    """The purchase order id a subject names (``Re: Purchase order PO-000042`` → 42); None: none or several."""
    numbers = {int(n) for n in PO_NUMBER.findall(subject or "")}
    return numbers.pop() if len(numbers) == 1 else None


def read_reply(text: str) -> Reply:
    """What the plain text says (see the module); :class:`Unreadable` when it says nothing usable."""
    tracking: set[str] = set()
    carriers: set[str] = set()
    urls: set[str] = set()
    lines: list[ShipLine] = []
    acknowledged = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(">"):
            continue
        if found := _URL.match(line):
            urls.add(found.group(1))
        elif found := _TRACKING.match(line):
            tracking.add(found.group(1))
        elif found := _CARRIER.match(line):
            carriers.add(found.group(1))
        elif found := _LINE.match(line):
            value = _LINE_VALUE.fullmatch(found.group(1))
            if value is None:
                raise Unreadable(f"line {line[:60]!r} is not 'Line: SKU x QTY'")
            lines.append(ShipLine(value.group(1), int(value.group(2))))
        elif _ACK.match(line):
            acknowledged = True
    for what, values in (("tracking numbers", tracking), ("carriers", carriers), ("tracking URLs", urls)):
        if len(values) > 1:
            raise Unreadable(f"names {len(values)} {what} ({', '.join(sorted(values))}): one shipment a mail")
    if tracking and not carriers:
        raise Unreadable("names a tracking number but no carrier ('Carrier: UPS')")
    if carriers and not tracking:
        raise Unreadable("names a carrier but no tracking number ('Tracking: 1Z…')")
    if tracking:
        ship = ShipPurchaseOrder(carriers.pop(), tracking.pop(), urls.pop() if urls else None, tuple(lines) or None)
        return Reply(ship, acknowledged)
    if lines:
        raise Unreadable("names lines but no tracking number nor carrier")
    if acknowledged:
        return Reply(None, True)
    raise Unreadable("has no tracking number ('Tracking: …' and 'Carrier: …') nor an acknowledgement")
