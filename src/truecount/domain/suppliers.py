"""What a supplier record and a supplier item may hold: the rules every path that writes one applies
(the API and the CLI). Pure.

- A supplier's **code** is part of web addresses (``/api/v1/suppliers/{code}``): the SKU rule, at most
  64 characters.
- **email**: one address, ``local@domain`` with a dot in the domain and no spaces.
- **currency**: three capital letters (ISO 4217, e.g. ``EUR``); the supplier's costs are in it.
- **lead_days**: whole days from 0 to 365 between a purchase order and the supplier shipping it.
- **cutoff**: ``HH:MM`` (24-hour), the time of day after which an order leaves a day later; or none.
- A variant's own **supplier choice rule** (overriding its channels'): one of the rules of
  :mod:`truecount.domain.booking.sources` (``priority``, ``most_available``, ``cheapest``,
  ``fastest``, ``reliable``, ``own_first``).
- An item's **cost**: a decimal string (``12.5``, ``0.0400``), not negative, at most 4 decimal places
  and 10 whole digits; its **case** size: a whole number from 1 to 1,000,000.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .booking.sources import RULES
from .errors import InvalidInput
from .skus import sku_problem

MAX_CODE = 64
MAX_LEAD_DAYS = 365
MAX_CASE = 1_000_000
COST_PLACES = 4
COST_WHOLE_DIGITS = 10
DEFAULT_CURRENCY = "EUR"

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_CURRENCY = re.compile(r"[A-Z]{3}")
_CUTOFF = re.compile(r"([01]\d|2[0-3]):[0-5]\d")
_COST = re.compile(r"\d+(\.\d+)?")


def check_supplier_code(code: str, field: str = "code") -> None:
    """Refuse a code that cannot name a new supplier."""
    problem = sku_problem(code)
    if problem is None and len(code) > MAX_CODE:
        problem = f"is longer than {MAX_CODE} characters ({len(code)})"
    if problem is not None:
        raise InvalidInput(problem, field=field)


def check_email(email: str) -> None:
    if not _EMAIL.fullmatch(email):
        raise InvalidInput(f"{email!r} is not an e-mail address (name@domain.tld)", field="email")


def check_currency(currency: str) -> None:
    if not _CURRENCY.fullmatch(currency):
        raise InvalidInput(f"{currency!r} must be three capital letters (ISO 4217, e.g. EUR)", field="currency")


def check_lead_days(days: int) -> None:
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAX_LEAD_DAYS:
        raise InvalidInput(f"must be a whole number of days from 0 to {MAX_LEAD_DAYS}", field="lead_days")


def check_cutoff(cutoff: str | None) -> None:
    if cutoff is not None and not _CUTOFF.fullmatch(cutoff):
        raise InvalidInput(f"{cutoff!r} must be a time of day HH:MM (00:00 to 23:59)", field="cutoff")


def parse_cost(text: str, field: str = "cost") -> Decimal:
    """A unit cost from its decimal string (``"12.50"`` → ``Decimal("12.50")``); refused naming ``field``."""
    if not _COST.fullmatch(text.strip()):
        raise InvalidInput(f"{text!r} must be a decimal number such as 12.50, not negative", field=field)
    try:
        cost = Decimal(text.strip())
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        raise InvalidInput(f"{text!r} is not a decimal number", field=field) from None
    whole, _, places = text.strip().partition(".")
    if len(places) > COST_PLACES:
        raise InvalidInput(f"{text!r} has more than {COST_PLACES} decimal places", field=field)
    if len(whole.lstrip("0")) > COST_WHOLE_DIGITS:
        raise InvalidInput(f"{text!r} has more than {COST_WHOLE_DIGITS} whole digits", field=field)
    return cost


def check_case(case: int) -> None:
    if isinstance(case, bool) or not isinstance(case, int) or not 1 <= case <= MAX_CASE:
        raise InvalidInput(f"must be a whole number from 1 to {MAX_CASE}", field="case")


def cost_text(cost: Decimal) -> str:
    """A stored cost as its decimal string without trailing zeros beyond two places (``12.5000`` → ``12.50``)."""
    exponent = cost.normalize().as_tuple().exponent
    places = max(2, -exponent) if isinstance(exponent, int) else 2
    return f"{cost:.{places}f}"


@dataclass(frozen=True)
class AddSupplier:
    """A new supplier: ``location`` is the code of the ``dropship`` location it stands behind."""

    code: str
    name: str
    email: str
    location: str
    currency: str = DEFAULT_CURRENCY
    lead_days: int = 0
    cutoff: str | None = None  # HH:MM
    send: str = "now"  # purchase orders: now, HH:MM (collected, daily) or Nh (collected, every N hours)


@dataclass(frozen=True)
class SetSupplierItem:
    """What ``supplier`` charges for ``sku``: ``cost`` a decimal string in the supplier's currency."""

    supplier: str
    sku: str
    cost: str
    supplier_sku: str | None = None
    case: int = 1


@dataclass(frozen=True)
class SetSupplierChoice:
    """``sku``'s own supplier choice rule, overriding its channels' allocation; ``rule`` ``None``: none
    (the channels' rules again)."""

    sku: str
    rule: str | None


def check_choice_rule(rule: str | None) -> None:
    """Refuse a rule that is none of the supplier choice rules (naming ``rule``)."""
    if rule is not None and rule not in RULES:
        raise InvalidInput(f"{rule!r} must be one of {', '.join(RULES)}", field="rule")
