"""Stock health: three mechanisms that turn stock, sales and shipments into a percentage.

Pure rules, no I/O. The services gather the figures from the ledger; this module checks a
tracker's parameters and computes ``current``, ``threshold``, ``health`` and a ``reason``.

Arithmetic is exact (fractions) and rounded once, half up, at the end: ``health`` to one
decimal (a percentage), ``threshold`` to two decimals (turnover's threshold is a rate ×
days, rarely whole). Health is not capped: 250.0 means two and a half times the threshold.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any

from .errors import InvalidInput

MAX_DAYS = 3650  # ten years: a window or an expiry horizon beyond that is a typo
MAX_UNITS = 1_000_000_000


class Mechanism(StrEnum):
    STOCK_QUANTITY = "stock_quantity"
    TURNOVER_DAYS = "turnover_days"
    STALLED_DAYS = "stalled_days"


#: (required, optional) parameters of each mechanism.
PARAMS: dict[Mechanism, tuple[tuple[str, ...], tuple[str, ...]]] = {
    Mechanism.STOCK_QUANTITY: (("below",), ("expiry_days",)),
    Mechanism.TURNOVER_DAYS: (("lookback_days", "coverage_days"), ("expiry_days",)),
    Mechanism.STALLED_DAYS: (("lookback_days", "quantity"), ()),
}

#: The largest value each parameter may take; every parameter is a whole number ≥ 1,
#: except ``expiry_days`` which may be 0 ("only stock that has not expired yet").
LIMITS = {
    "below": MAX_UNITS,
    "quantity": MAX_UNITS,
    "lookback_days": MAX_DAYS,
    "coverage_days": MAX_DAYS,
    "expiry_days": MAX_DAYS,
}


def parse_mechanism(value: str) -> Mechanism:
    try:
        return Mechanism(value)
    except ValueError:
        raise InvalidInput(f"must be one of {', '.join(m.value for m in Mechanism)}", field="mechanism") from None


def check_params(mechanism: Mechanism, params: Mapping[str, Any]) -> dict[str, int]:
    """The parameters, checked: each required one present, whole and positive; none foreign.

    Refuses with :class:`InvalidInput` naming ``params.<name>``.
    """
    required, optional = PARAMS[mechanism]
    for name in params:
        if name in required or name in optional:
            continue
        owners = [m.value for m, (req, opt) in PARAMS.items() if name in req or name in opt]
        if owners:
            raise InvalidInput(f"belongs to {' and '.join(owners)}, not to {mechanism.value}", field=f"params.{name}")
        raise InvalidInput(f"is not a parameter of {mechanism.value}", field=f"params.{name}")
    checked: dict[str, int] = {}
    for name in (*required, *optional):
        value = params.get(name)
        if value is None:
            if name in required:
                raise InvalidInput(f"is required for {mechanism.value}", field=f"params.{name}")
            continue
        lowest = 0 if name == "expiry_days" else 1
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidInput("must be a whole number", field=f"params.{name}")
        if not lowest <= value <= LIMITS[name]:
            what = "0 or more" if lowest == 0 else "positive"
            raise InvalidInput(f"must be {what} and at most {LIMITS[name]}, not {value}", field=f"params.{name}")
        checked[name] = value
    return checked


def counted_stock(lots: Iterable[tuple[date | None, int]], today: date, expiry_days: int | None) -> int:
    """Units that count: all of them, or with ``expiry_days`` only those whose lot expires
    more than that many days after ``today`` (stock without an expiry date always counts)."""
    if expiry_days is None:
        return sum(q for _, q in lots)
    horizon = today + timedelta(days=expiry_days)
    return sum(q for expires_on, q in lots if expires_on is None or expires_on > horizon)


@dataclass(frozen=True)
class Figures:
    """What the ledger says about one (variant, inventory type) over a tracker's window."""

    stock: int  # on hand that counts (after expiry filtering)
    stock_total: int  # on hand, expiry ignored
    sold: int  # units sold in the lookback window
    shipped: int  # units shipped in the lookback window


@dataclass(frozen=True)
class Health:
    current: int  # stock that counts; shipped units for stalled_days
    threshold: float
    health: float  # percent, one decimal
    reason: str | None = None

    @property
    def alerting(self) -> bool:
        return self.health < 100


def _round(value: Fraction, places: int) -> float:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return float(exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def _percent(part: int, whole: Fraction) -> float:
    return _round(Fraction(part) / whole * 100, 1)


def evaluate(mechanism: Mechanism, params: Mapping[str, int], figures: Figures) -> Health:
    """The health of one tracker, as the tracker rules define it."""
    if mechanism is Mechanism.STALLED_DAYS:
        days, quantity = params["lookback_days"], params["quantity"]
        reason = None if figures.shipped else f"nothing shipped in the last {_days(days)}"
        return Health(figures.shipped, float(quantity), _percent(figures.shipped, Fraction(quantity)), reason)
    expired_reason = _expiry_reason(params, figures)
    if mechanism is Mechanism.STOCK_QUANTITY:
        below = params["below"]
        return Health(figures.stock, float(below), _percent(figures.stock, Fraction(below)), expired_reason)
    days, coverage = params["lookback_days"], params["coverage_days"]
    if figures.sold <= 0:
        reason = f"no sales in the last {_days(days)} — consider the stock-quantity mechanism"
        return Health(figures.stock, 0.0, 0.0, reason)
    threshold = Fraction(figures.sold, days) * coverage
    return Health(figures.stock, _round(threshold, 2), _percent(figures.stock, threshold), expired_reason)


def _expiry_reason(params: Mapping[str, int], figures: Figures) -> str | None:
    if figures.stock == 0 and figures.stock_total > 0 and "expiry_days" in params:
        return f"all {figures.stock_total} on hand expire within {_days(params['expiry_days'])}"
    return None


def _days(n: int) -> str:
    return "day" if n == 1 else f"{n} days"
