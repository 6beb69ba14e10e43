"""A listing's price by rule: a base (a fixed price, or cost plus a margin), stock-level tiers, a floor.

Pure rules, no I/O. Evaluated in this order, every step recorded:

1. **base**: ``fixed=19.99`` — that price; ``cost+40%`` — the variant's known cost (its own unit cost
   when set, else the cheapest of its supplier items: :func:`.costing.known_cost`) × units per sale ×
   1.40. No known cost: no price (nothing is pushed).
2. **tiers**: ``tier=5:+10%`` — when the listing offers fewer than 5, the price × 1.10 (``-5%`` lowers
   it). Of several tiers the tightest one that applies counts (the smallest threshold above the figure).
3. **floor**: ``floor=24.99`` — never below that price (an MSRP or MAP floor).
4. rounded to cents, half up.

Text form (:func:`parse_price_rule`): the parts separated by spaces, ``fixed=19.99 tier=5:+10%``;
JSON form (:func:`check_price_rule`): ``{"fixed": "19.99"}`` or ``{"cost_plus_percent": 40, "floor":
"24.99", "tiers": [{"below": 5, "percent": 10}]}``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from .errors import InvalidInput

MAX_PRICE = Decimal("1000000000")
CENT = Decimal("0.01")
FIELDS = ("fixed", "cost_plus_percent", "floor", "tiers")


@dataclass(frozen=True)
class Tier:
    """When the listing offers fewer than ``below``, the price changes by ``percent`` (+10, -5…)."""

    below: int
    percent: Decimal


@dataclass(frozen=True)
class PriceRule:
    """Exactly one of ``fixed`` (a price) and ``cost_plus_percent`` (a margin on cost); an optional
    ``floor`` and stock-level ``tiers``."""

    fixed: Decimal | None = None
    cost_plus_percent: Decimal | None = None
    floor: Decimal | None = None
    tiers: tuple[Tier, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        if self.fixed is not None:
            found["fixed"] = str(self.fixed)
        if self.cost_plus_percent is not None:
            found["cost_plus_percent"] = float(self.cost_plus_percent)
        if self.floor is not None:
            found["floor"] = str(self.floor)
        if self.tiers:
            found["tiers"] = [{"below": t.below, "percent": float(t.percent)} for t in self.tiers]
        return found

    def text(self) -> str:
        """As it is typed: ``cost+40% tier=5:+10% floor=24.99``."""
        parts = [f"fixed={self.fixed}" if self.fixed is not None else f"cost+{_pct(self.cost_plus_percent)}%"]
        parts += [f"tier={t.below}:{'+' if t.percent >= 0 else ''}{_pct(t.percent)}%" for t in self.tiers]
        if self.floor is not None:
            parts.append(f"floor={self.floor}")
        return " ".join(parts)


def _pct(value: Decimal | None) -> str:
    return f"{(value or Decimal(0)).normalize():f}"


def _money(value: Any, field: str) -> Decimal:
    try:
        found = Decimal(str(value).strip()) if value is not None and not isinstance(value, bool | float) else None
    except InvalidOperation:
        found = None
    if isinstance(value, float):
        found = Decimal(str(value))
    if found is None or not found.is_finite() or not 0 <= found <= MAX_PRICE or found != round(found, 2):
        raise InvalidInput(f"must be a price from 0 to {MAX_PRICE} (two decimals at most)", field=field)
    return found


def _percent(value: Any, field: str, *, low: int, high: int) -> Decimal:
    try:
        found = Decimal(str(value).strip()) if value is not None and not isinstance(value, bool) else None
    except InvalidOperation:
        found = None
    if found is None or not found.is_finite() or not low <= found <= high or found != round(found, 2):
        raise InvalidInput(f"must be a percent from {low} to {high} (two decimals at most)", field=field)
    return found


def _tier(below: Any, percent: Any, field: str) -> Tier:
    if isinstance(below, str) and below.strip().isdigit():
        below = int(below.strip())
    if isinstance(below, bool) or not isinstance(below, int) or not 1 <= below <= 1_000_000_000:
        raise InvalidInput("must be a whole number of at least 1", field=f"{field}.below")
    return Tier(below, _percent(percent, f"{field}.percent", low=-99, high=1000))


def check_price_rule(raw: Mapping[str, Any], *, field: str = "price") -> PriceRule:
    """A price rule from its JSON form, checked; a refusal names the part (``price.tiers[0].below``)."""
    unknown = sorted(set(raw) - set(FIELDS))
    if unknown:
        raise InvalidInput(f"unknown part(s) {', '.join(unknown)}; expected {', '.join(FIELDS)}", field=field)
    fixed, margin = raw.get("fixed"), raw.get("cost_plus_percent")
    if (fixed is None) == (margin is None):
        raise InvalidInput("give exactly one of fixed and cost_plus_percent", field=field)
    tiers_raw = raw.get("tiers") or []
    if not isinstance(tiers_raw, Sequence) or isinstance(tiers_raw, str) or len(tiers_raw) > 10:
        raise InvalidInput("must be a list of at most 10 {below, percent}", field=f"{field}.tiers")
    tiers: list[Tier] = []
    for n, item in enumerate(tiers_raw):
        where = f"{field}.tiers[{n}]"
        if not isinstance(item, Mapping) or set(item) - {"below", "percent"}:
            raise InvalidInput("must be {below, percent}", field=where)
        tiers.append(_tier(item.get("below"), item.get("percent"), where))
    return PriceRule(
        fixed=None if fixed is None else _money(fixed, f"{field}.fixed"),
        cost_plus_percent=(
            None if margin is None else _percent(margin, f"{field}.cost_plus_percent", low=-99, high=10000)
        ),
        floor=None if raw.get("floor") is None else _money(raw.get("floor"), f"{field}.floor"),
        tiers=tuple(sorted(tiers, key=lambda t: t.below)),
    )


def parse_price_rule(parts: Sequence[str], *, field: str = "price") -> PriceRule:
    """A price rule from its text parts: ``fixed=19.99`` or ``cost+40%``, ``tier=5:+10%``…, ``floor=24.99``."""
    raw: dict[str, Any] = {}
    tiers: list[dict[str, Any]] = []
    for part in " ".join(parts).split():
        text = part.strip()
        if text.lower().startswith("cost+") and text.endswith("%"):
            raw["cost_plus_percent"] = text[5:-1]
        elif text.lower().startswith("fixed="):
            raw["fixed"] = text[6:]
        elif text.lower().startswith("floor="):
            raw["floor"] = text[6:]
        elif text.lower().startswith("tier=") and ":" in text and text.endswith("%"):
            below, _, percent = text[5:-1].partition(":")
            tiers.append({"below": below, "percent": percent.lstrip("+")})
        else:
            raise InvalidInput(f"cannot read {text!r}: expected fixed=P, cost+M%, tier=N:+P% or floor=P", field=field)
    if tiers:
        raw["tiers"] = tiers
    return check_price_rule(raw, field=field)


@dataclass(frozen=True)
class Priced:
    """The price (None: no known cost for a cost-plus rule) and every step that led to it."""

    price: Decimal | None
    steps: list[dict[str, Any]]

    def explain(self, rule: PriceRule) -> dict[str, Any]:
        return {"rule": rule.text(), "steps": self.steps, "price": None if self.price is None else str(self.price)}


def price(rule: PriceRule, *, cost: Decimal | None, offered: int, units_per_sale: int = 1) -> Priced:
    """The listing's price under ``rule``: its unit ``cost`` (None: unknown), what it ``offered``."""
    steps: list[dict[str, Any]] = []
    if rule.fixed is not None:
        value = rule.fixed
        steps.append({"step": "fixed", "price": str(value)})
    else:
        if cost is None:
            steps.append({"step": "cost plus margin: no known cost (no supplier item), no price", "price": None})
            return Priced(None, steps)
        margin = rule.cost_plus_percent or Decimal(0)
        value = cost * units_per_sale * (100 + margin) / 100
        per = f" × {units_per_sale} units" if units_per_sale != 1 else ""
        shown = _amount(cost)
        steps.append({"step": f"cost {shown}{per} plus {_pct(margin)}%", "cost": shown, "price": _cents(value)})
    tier = next((t for t in rule.tiers if offered < t.below), None)
    if tier is not None:
        before = value
        value = value * (100 + tier.percent) / 100
        sign = "+" if tier.percent >= 0 else ""
        steps.append(
            {"step": f"fewer than {tier.below} offered ({offered}): {sign}{_pct(tier.percent)}%",
             "input": _cents(before), "price": _cents(value)}
        )  # fmt: skip
    if rule.floor is not None and value < rule.floor:
        steps.append({"step": f"floor {rule.floor}", "input": _cents(value), "price": str(rule.floor)})
        value = rule.floor
    return Priced(Decimal(_cents(value)), steps)


def _amount(value: Decimal) -> str:
    """A cost as read: 7.5000 → 7.50, 7.1234 stays."""
    found = value.normalize()
    return _cents(found) if found == found.quantize(CENT) else f"{found:f}"


def _cents(value: Decimal) -> str:
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))
