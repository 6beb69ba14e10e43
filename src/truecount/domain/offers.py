"""What a channel is offered for one variant: pool, rule, variant flags, bundles.

Pure rules, no I/O. The services gather the facts (stock lines, the rule, the flags, the
components' offers) and :func:`offer` combines them in one fixed order:

    base (pool, or one named location) → percent → minus reserve → not below 0 → cap;
    ``stop_sell`` and ``fixed`` override; ``prebook P`` offers ``max(0, P − booked_open)``.

then the variant flags: not tracked → the pool is the channel's "always in stock" figure;
``sellable_from`` in the future → 0 unless the rule is ``prebook``; ``discontinued`` →
never more than the pool; not ``for_sale`` (a raw material) → 0, while a kit containing it
still counts what it offers before that step. Every step is recorded, so any figure can be explained.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from .ledger import MAX_STORED_QUANTITY
from .listing_steps import Step, run_steps

RULE_KINDS = ("reserve", "stop_sell", "prebook", "percent", "fixed", "cap")


@dataclass(frozen=True)
class PoolLine:
    """Stock of one variant at one feeding location in one inventory type.

    ``expired`` is the part of ``on_hand`` in lots past their expiry date. Bookings are
    assumed to be met from good stock, so ``available = max(0, on_hand − expired − booked)``.
    """

    location: str
    inventory_type: str
    on_hand: int
    booked: int
    expired: int = 0

    @property
    def available(self) -> int:
        return max(0, self.on_hand - self.expired - self.booked)

    def as_dict(self) -> dict[str, Any]:
        return {
            "location": self.location,
            "inventory_type": self.inventory_type,
            "on_hand": self.on_hand,
            "booked": self.booked,
            "expired": self.expired,
            "available": self.available,
        }


@dataclass(frozen=True)
class Rule:
    """The one rule of a (channel, variant). ``kind`` is the rule; ``quantity`` its N (reserve,
    prebook, fixed, cap); ``percent`` and ``location`` for ``percent``. ``reserve`` and ``cap``
    are optional modifiers a ``percent`` (both) or ``reserve`` (``cap``) rule may carry, applied
    at their place in the rules' order."""

    kind: str
    quantity: int | None = None
    percent: Decimal | None = None
    location: str | None = None
    reserve: int | None = None
    cap: int | None = None

    def as_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {"kind": self.kind}
        for name in ("quantity", "percent", "location", "reserve", "cap"):
            value = getattr(self, name)
            if value is not None:
                found[name] = float(value) if isinstance(value, Decimal) else value
        return found


@dataclass(frozen=True)
class VariantFacts:
    """The variant's flags, and for ``prebook`` its open ordered quantity (booked + backordered).
    ``for_sale`` False: a raw material, never offered (a kit made from it still counts it)."""

    tracked: bool = True
    discontinued: bool = False
    sellable_from: date | None = None
    booked_open: int = 0
    for_sale: bool = True


@dataclass(frozen=True)
class ComponentOffer:
    """One bundle component: its SKU, quantity per bundle and its offer to the same channel."""

    sku: str
    per_bundle: int
    offer: Offer


@dataclass(frozen=True)
class Offer:
    """The offered ``quantity``; ``before_cap`` is what a bundle containing this variant uses."""

    quantity: int
    before_cap: int
    pool: int
    steps: list[dict[str, Any]] = field(default_factory=list)
    lines: list[PoolLine] = field(default_factory=list)
    rule: Rule | None = None
    components: list[dict[str, Any]] = field(default_factory=list)
    listing_steps: tuple[Step, ...] | None = None
    units_per_sale: int = 1

    def explain(self) -> dict[str, Any]:
        """Pool by location and type, the rule (or the listing's own steps), each step, the result."""
        found: dict[str, Any] = {
            "pool": {"total": self.pool, "by_location": [line.as_dict() for line in self.lines]},
            "rule": self.rule.as_dict() if self.rule else None,
            "steps": self.steps,
            "quantity": self.quantity,
        }
        if self.listing_steps is not None:
            found["listing_steps"] = [s.text() for s in self.listing_steps]
        if self.units_per_sale != 1:
            found["units_per_sale"] = self.units_per_sale
        if self.components:
            found["components"] = self.components
        return found


def bundle_quantity(components: list[ComponentOffer]) -> tuple[int, list[dict[str, Any]]]:
    """``min`` over components of ``floor(component offered before its cap / quantity per bundle)``."""
    parts: list[dict[str, Any]] = [
        {
            "sku": c.sku,
            "per_bundle": c.per_bundle,
            "offered_before_cap": c.offer.before_cap,
            "bundles": c.offer.before_cap // c.per_bundle,
        }
        for c in components
    ]
    made = min(c.offer.before_cap // c.per_bundle for c in components) if components else 0
    return made, parts


def offer(
    lines: list[PoolLine],
    rule: Rule | None,
    facts: VariantFacts,
    *,
    today: date,
    always_in_stock: int,
    components: list[ComponentOffer] | None = None,
    location_lines: list[PoolLine] | None = None,
    steps: tuple[Step, ...] | None = None,
    step_lines: dict[str, list[PoolLine]] | None = None,
    units_per_sale: int = 1,
) -> Offer:
    """The quantity offered to one channel for one variant, with every step that led to it.

    ``lines`` are the variant's stock lines at the channel's saleable feeding locations in the
    types it sells. For a bundle, ``components`` hold each component's offer to the same channel;
    what they make up is added to the bundle's own (assembled) stock. ``location_lines`` are the
    lines of a ``percent`` rule's named location (and its bins); by default, ``lines`` there.

    A listing with its own ``steps`` (:mod:`.listing_steps`) runs them instead of ``rule``;
    ``step_lines`` are the lines of each location they name. ``units_per_sale`` N (a multi-pack):
    the listing offers ``floor(units / N)`` sales, the last step before "not for sale".
    """
    recorded: list[dict[str, Any]] = []

    def step(name: str, quantity: int, **detail: Any) -> int:
        recorded.append({"step": name, "quantity": quantity, **detail})
        return quantity

    parts: list[dict[str, Any]] = []
    if not facts.tracked:
        pool = step("always in stock (not tracked)", always_in_stock)
    else:
        pool = step("pool", sum(line.available for line in lines))
        if components is not None:
            made, parts = bundle_quantity(components)
            pool = step("plus bundles the components make up", pool + made, from_components=made)

    named = location_lines
    if named is None and rule is not None and rule.location is not None:
        named = [line for line in lines if line.location == rule.location]
    if steps is not None:
        at = step_lines or {}
        quantity = before_cap = run_steps(steps, pool, lambda loc: sum(ln.available for ln in at.get(loc, [])), step)
        rule = None
    else:
        quantity, before_cap = _apply_rule(rule, pool, named or [], facts, step)
    if facts.sellable_from is not None and facts.sellable_from > today and (rule is None or rule.kind != "prebook"):
        released = facts.sellable_from.isoformat()
        quantity = before_cap = step(f"not sellable before {released}", 0, sellable_from=released)
    if facts.discontinued and quantity > pool:
        quantity = step("discontinued: never more than the pool", pool)
        before_cap = min(before_cap, pool)
    if quantity > MAX_STORED_QUANTITY:  # a pool of many locations each near the largest stored level
        quantity = step("at most the largest figure stored", MAX_STORED_QUANTITY)
    if units_per_sale != 1:
        quantity = step(f"{units_per_sale} units per sale: sales of {units_per_sale}", quantity // units_per_sale)
    if not facts.for_sale:  # the kits made from it still count it: what they use is kept
        quantity = step("not for sale (a raw material)", 0)
    return Offer(quantity, before_cap, pool, recorded, list(lines), rule, parts, steps, units_per_sale)


def _apply_rule(rule: Rule | None, pool: int, named: list[PoolLine], facts: VariantFacts, step: Any) -> tuple[int, int]:
    """(offered, offered before the cap step)."""
    if rule is None:
        return pool, pool
    if rule.kind == "stop_sell":
        zero: int = step("stop_sell", 0)
        return zero, zero
    if rule.kind == "fixed":
        fixed: int = step("fixed", rule.quantity or 0)
        return fixed, fixed
    if rule.kind == "prebook":
        taken = max(0, (rule.quantity or 0) - facts.booked_open)
        value: int = step("prebook: quantity − open orders", taken, prebook=rule.quantity, booked=facts.booked_open)
        return _cap(value, rule.cap, step), value
    value = pool
    if rule.kind == "percent":
        base = pool
        if rule.location is not None:
            base = step(
                f"base: available at {rule.location}",
                sum(line.available for line in named),
            )
        percent = rule.percent if rule.percent is not None else Decimal(100)
        value = step(f"{percent.normalize():f}% of the base", int((percent * base) // 100))
    reserve = rule.quantity if rule.kind == "reserve" else rule.reserve
    if reserve is not None:
        value = step(f"minus reserve {reserve}", value - reserve)
        value = step("not below 0", max(0, value))
    cap = rule.quantity if rule.kind == "cap" else rule.cap
    return _cap(value, cap, step), value


def _cap(value: int, cap: int | None, step: Any) -> int:
    if cap is None or value <= cap:
        return value
    capped: int = step(f"cap {cap}", cap)
    return capped


def rule_text(rule: dict[str, Any] | None) -> str:
    """A rule (:meth:`Rule.as_dict`) as a person reads it: ``30% of the pool, reserve 2, cap 5``."""
    if not rule:
        return ""
    kind = rule["kind"]
    if kind == "percent":
        percent = rule.get("percent", 100)
        shown = f"{percent:g}" if isinstance(percent, float | int) else str(percent)
        text = f"{shown}% of {rule['location'] if rule.get('location') else 'the pool'}"
    elif kind == "stop_sell":
        text = "stop selling"
    elif kind in ("reserve", "prebook", "fixed", "cap"):
        text = f"{kind} {rule.get('quantity', 0)}"
    else:
        text = kind
    if rule.get("reserve") is not None and kind != "reserve":
        text += f", reserve {rule['reserve']}"
    if rule.get("cap") is not None and kind != "cap":
        text += f", cap {rule['cap']}"
    return text


def describe(explain: dict[str, Any]) -> str:
    """An explanation (:meth:`Offer.explain`) as lines a person reads: the pool by location and
    type, the components of a bundle, the rule, each step, the result."""
    pool = explain["pool"]
    lines = [f"pool {pool['total']}"]
    lines += [
        f"  {p['location']} {p['inventory_type']}: available {p['available']} "
        f"(on hand {p['on_hand']}, booked {p['booked']}, expired {p['expired']})"
        for p in pool["by_location"]
    ]
    lines += [
        f"  {c['sku']} × {c['per_bundle']}: {c['offered_before_cap']} before its cap → {c['bundles']} bundle(s)"
        for c in explain.get("components", [])
    ]
    rule = explain["rule"]
    lines.append("rule: " + (rule_text(rule) if rule else "none (offer the pool)"))
    if explain.get("listing_steps") is not None:
        lines[-1] = "listing rule: " + (" → ".join(explain["listing_steps"]) or "none (offer the pool)")
    lines += [
        f"  {s['step']}: " + (f"{s['input']} → " if "input" in s else "") + f"{s['quantity']}" for s in explain["steps"]
    ]
    lines.append(f"offered {explain['quantity']}")
    return "\n".join(lines)
