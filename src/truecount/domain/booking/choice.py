"""The facts the supplier choice rules rank drop-ship locations by, and why a line went to a supplier. Pure.

A **supplier's terms** (:class:`SupplierTerms`) are what its record and our history with it say: its
lead time, its cut-off time and its reliability. The rules of :mod:`.sources` read them as
:class:`~.sources.Source` fields (:func:`source_facts`):

- **days to ship** (``fastest``): own stock 0; a supplier its lead time in days, one day more when
  the order is booked at or after its cut-off time of day (UTC); a drop-ship location without a
  supplier record: unknown (ranked last);
- **reliability** (``reliable``): over the supplier's last :data:`HISTORY` purchase orders sent, the
  share shipped within its lead time and the average days from sent to shipped
  (:func:`truecount.domain.purchase_orders.reliability`); a supplier none of whose purchase orders
  has shipped yet has no history.

:func:`why` says in one sentence why a line went to the supplier it went to, from the same facts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .sources import FASTEST, MOST_AVAILABLE, OWN_FIRST, PRIORITY, RELIABLE, Source

HISTORY = 100
"""Purchase orders (the latest sent) a supplier's reliability is measured over."""

MINUTES_A_DAY = 24 * 60


@dataclass(frozen=True, slots=True)
class SupplierTerms:
    """The supplier behind a drop-ship location as the choice rules see it: ``code``, ``lead_days``,
    ``cutoff`` (minute of the day, UTC; ``None``: none), ``on_time`` (per mille of its purchase orders
    shipped within the lead time) and ``days_to_ship`` (their average days from sent to shipped, in
    hundredths) — both ``None`` without a history."""

    code: str
    lead_days: int
    cutoff: int | None = None
    on_time: int | None = None
    days_to_ship: int | None = None


def cutoff_minute(cutoff: str | None) -> int | None:
    """A cut-off ``HH:MM`` as the minute of the day it names (``None`` stays ``None``)."""
    if cutoff is None:
        return None
    hours, minutes = cutoff.split(":")
    return int(hours) * 60 + int(minutes)


def after_cutoff(terms: SupplierTerms, clock: int) -> bool:
    """Whether an order booked at ``clock`` (minute of the day, UTC) misses today's cut-off."""
    return terms.cutoff is not None and clock >= terms.cutoff


def days_to_ship(terms: SupplierTerms | None, clock: int) -> int | None:
    """Days until the supplier ships an order booked at ``clock``: its lead time, one more after its
    cut-off; ``None`` without a supplier record."""
    if terms is None:
        return None
    return terms.lead_days + int(after_cutoff(terms, clock))


def record_of(on_time_percent: float | None, average_days: float | None) -> tuple[int | None, int | None]:
    """A :class:`~truecount.domain.purchase_orders.Reliability`'s figures as the ranking compares them:
    per mille on time and hundredths of a day."""
    if on_time_percent is None or average_days is None:
        return None, None
    return round(on_time_percent * 10), round(average_days * 100)


def supplier_source(
    location_id: int,
    inventory_type_id: int,
    available: int,
    rank: int,
    cost: int | None,
    terms: SupplierTerms | None,
    clock: int,
) -> Source:
    """A drop-ship location's free stock as a :class:`~.sources.Source` with its supplier's facts."""
    on_time, average = (terms.on_time, terms.days_to_ship) if terms is not None else (None, None)
    days = days_to_ship(terms, clock)
    return Source(location_id, inventory_type_id, available, rank, cost, False, days, on_time, average)


# --- why ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Candidate:
    """A drop-ship location a line could have gone to: its code, its supplier's terms (``None``: no
    supplier record)."""

    location: str
    terms: SupplierTerms | None


def _name(c: Candidate) -> str:
    return c.terms.code if c.terms is not None else c.location


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def _speed(c: Candidate, clock: int, *, head: bool) -> str:
    days = days_to_ship(c.terms, clock)
    if days is None or c.terms is None:
        return f"{_name(c)} has no supplier record" if head else f"{_name(c)} no supplier record"
    late = f", after cut-off {c.terms.cutoff // 60:02d}:{c.terms.cutoff % 60:02d}" if c.terms.cutoff is not None else ""
    late = late if after_cutoff(c.terms, clock) else ""
    return f"{c.terms.code} ships in {_days(days)}{late}" if head else f"{c.terms.code} {_days(days)}{late}"


def _record(c: Candidate, *, head: bool) -> str:
    t = c.terms
    if t is None:
        return f"{_name(c)} has no supplier record" if head else f"{_name(c)} no supplier record"
    if t.on_time is None or t.days_to_ship is None:
        return f"{t.code} has no history yet" if head else f"{t.code} no history"
    figures = f"{t.on_time / 10:.1f}% on time, {t.days_to_ship / 100:.2f} days to ship"
    return f"{t.code} shipped {figures}" if head else f"{t.code} {figures}"


def _speed_key(c: Candidate, clock: int) -> tuple[int, int]:
    days = days_to_ship(c.terms, clock)
    return (1, 0) if days is None else (0, days)


def _record_key(c: Candidate) -> tuple[int, int, int]:
    t = c.terms
    if t is None or t.on_time is None or t.days_to_ship is None:
        return 1, 0, 0
    return 0, -t.on_time, t.days_to_ship


def why(rule: str, chosen: str, candidates: Sequence[Candidate], clock: int, then: str = PRIORITY) -> str | None:
    """Why a line went to drop-ship location ``chosen`` (a location code among ``candidates``, the
    channel's drop-ship locations in its order) under ``rule`` — ``fastest``, ``reliable``, or
    ``own_first`` (own stock had too few free, then ``then``); ``None`` for the rules this module does
    not explain (``cheapest`` is told with the suppliers' quotes; ``priority``: the fixed order).
    ``clock``: the minute of the day (UTC) the line was booked."""
    me = next((c for c in candidates if c.location == chosen), None)
    if me is None:
        return None
    others = [c for c in candidates if c is not me]
    if rule == OWN_FIRST:
        inner = why(then, chosen, candidates, clock) if then in (FASTEST, RELIABLE) else None
        if inner is None and then not in (PRIORITY, MOST_AVAILABLE):
            return None  # cheapest: the caller tells it with the quotes
        tail = inner if inner is not None else f"{_name(me)} by {then}"
        return f"own_first: own stock had too few free, then {tail}"
    if rule == FASTEST:
        mine = _speed_key(me, clock)
        better = [c for c in others if _speed_key(c, clock) < mine]
        listed = "; ".join(_speed(c, clock, head=False) for c in others)
        if better:
            head = f"{_speed(me, clock, head=True)}: faster {', '.join(_name(c) for c in better)} had too few free"
            return f"{head} (others: {listed})"
        head = f"fastest: {_speed(me, clock, head=True)}"
        return f"{head} ({listed})" if others else head
    if rule == RELIABLE:
        mine_r = _record_key(me)
        better = [c for c in others if _record_key(c) < mine_r]
        listed = "; ".join(_record(c, head=False) for c in others)
        if better:
            head = f"{_record(me, head=True)}: more reliable {', '.join(_name(c) for c in better)} had too few free"
            return f"{head} (others: {listed})"
        head = f"reliable: {_record(me, head=True)}"
        return f"{head} ({listed})" if others else head
    return None
