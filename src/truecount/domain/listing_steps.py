"""A listing's own quantity rule: an ordered list of steps, any number, evaluated in the stated order.

Each step takes the figure the step before left (the first takes the pool) and gives the next:

- ``percent=30``: 30 % of the figure so far, rounded down; ``percent=30@DS1``: 30 % of what is
  available at DS1 (its saleable part and bins, in the channel's types) instead;
- ``base=DS1``: what is available at DS1 (the figure so far is set aside);
- ``reserve=5``: minus 5, never below 0;
- ``cap=20``: at most 20;  ``min=2``: at least 2;
- ``zero_below=3``: 0 when fewer than 3 (too few to show);
- ``round=6``: rounded down to a multiple of 6;
- ``fixed=10``: 10, whatever the figure so far;  ``stop_sell``: 0.

Pure rules, no I/O: :func:`parse_step` reads the text form, :func:`check_step` the JSON form
(``{"op": "percent", "value": 30, "location": "DS1"}``), :func:`run_steps` evaluates them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from .errors import InvalidInput
from .ledger import MAX_REQUEST_QUANTITY as MAX_QUANTITY

STEP_OPS = ("percent", "base", "reserve", "cap", "min", "zero_below", "round", "fixed", "stop_sell")
MAX_STEPS = 20


@dataclass(frozen=True)
class Step:
    """One step: ``op`` with its ``value`` (a percent for ``percent``, a count for the others; none for
    ``stop_sell`` and ``base``) and ``location`` (``percent`` optionally, ``base`` always)."""

    op: str
    value: Decimal | int | None = None
    location: str | None = None

    def as_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {"op": self.op}
        if self.value is not None:
            found["value"] = float(self.value) if isinstance(self.value, Decimal) else self.value
        if self.location is not None:
            found["location"] = self.location
        return found

    def text(self) -> str:
        """The step as it is typed: ``percent=30@DS1``, ``reserve=5``, ``stop_sell``."""
        if self.op == "stop_sell":
            return "stop_sell"
        if self.op == "base":
            return f"base={self.location}"
        shown = f"{self.value.normalize():f}" if isinstance(self.value, Decimal) else str(self.value)
        return f"{self.op}={shown}" + (f"@{self.location}" if self.location else "")


def _count(value: Any, field: str) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_QUANTITY:
        raise InvalidInput(f"must be a whole number from 0 to {MAX_QUANTITY}", field=field)
    return value


def _percent(value: Any, field: str) -> Decimal:
    try:
        found = Decimal(str(value).strip()) if value is not None and not isinstance(value, bool) else None
    except InvalidOperation:
        found = None
    if found is None or not found.is_finite() or not 0 <= found <= 100 or found != round(found, 2):
        raise InvalidInput("must be a percent from 0 to 100 (two decimals at most)", field=field)
    return found


def check_step(op: Any, value: Any = None, location: Any = None, *, field: str = "steps[0]") -> Step:
    """One step from its parts, checked; a refusal names ``field`` and the part (``steps[2].value``)."""
    if op not in STEP_OPS:
        raise InvalidInput(f"must be one of {', '.join(STEP_OPS)}", field=f"{field}.op")
    if location is not None and (not isinstance(location, str) or not location.strip()):
        raise InvalidInput("must be a location code", field=f"{field}.location")
    where = location.strip() if isinstance(location, str) else None
    if op == "stop_sell":
        if value is not None or where is not None:
            raise InvalidInput("stop_sell takes no value and no location", field=field)
        return Step(op)
    if op == "base":
        if where is None:
            raise InvalidInput("base takes a location (base=LOC)", field=f"{field}.location")
        if value is not None:
            raise InvalidInput("base takes no value", field=f"{field}.value")
        return Step(op, None, where)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InvalidInput(f"{op} takes a value ({op}=N)", field=f"{field}.value")
    if op == "percent":
        return Step(op, _percent(value, f"{field}.value"), where)
    if where is not None:
        raise InvalidInput(f"{op} takes no location", field=f"{field}.location")
    found = _count(value, f"{field}.value")
    if op == "round" and found == 0:
        raise InvalidInput("must be at least 1", field=f"{field}.value")
    return Step(op, found)


def parse_step(text: str, *, field: str = "steps[0]") -> Step:
    """A step from its text: ``percent=30@DS1``, ``reserve=5``, ``cap=20``, ``base=DS1``, ``stop_sell``."""
    op, has_value, rest = text.strip().partition("=")
    op = op.strip().lower()
    if not has_value:
        return check_step(op, field=field)
    if op == "base":
        return check_step(op, None, rest, field=field)
    value, _, location = rest.partition("@")
    return check_step(op, value.strip(), location or None, field=field)


def check_steps(raw: Sequence[Any], *, field: str = "steps") -> tuple[Step, ...]:
    """A whole list of steps (text or ``{op, value, location}`` objects), each checked in its place."""
    if len(raw) > MAX_STEPS:
        raise InvalidInput(f"at most {MAX_STEPS} steps", field=field)
    found: list[Step] = []
    for n, item in enumerate(raw):
        where = f"{field}[{n}]"
        if isinstance(item, str):
            found.append(parse_step(item, field=where))
        elif isinstance(item, Mapping):
            unknown = set(item) - {"op", "value", "location"}
            if unknown:
                raise InvalidInput(f"unknown part(s) {', '.join(sorted(unknown))}", field=where)
            found.append(check_step(item.get("op"), item.get("value"), item.get("location"), field=where))
        else:
            raise InvalidInput("must be a step: text such as 'cap=20' or {op, value, location}", field=where)
    return tuple(found)


def locations_of(steps: Sequence[Step]) -> set[str]:
    """The locations the steps name (their stock is read for them)."""
    return {s.location for s in steps if s.location is not None}


def run_steps(steps: Sequence[Step], pool: int, available_at: Callable[[str], int], record: Callable[..., int]) -> int:
    """Evaluate ``steps`` in order from ``pool``; ``record(name, quantity, input=…)`` notes each step."""
    value = pool
    for s in steps:
        before = value
        if s.op == "percent":
            base = available_at(s.location) if s.location else value
            assert isinstance(s.value, Decimal)
            value = int((s.value * base) // 100)
            name = f"{s.value.normalize():f}% of " + (f"available at {s.location} ({base})" if s.location else "it")
            value = record(name, value, input=before, **({"base": base} if s.location else {}))
            continue
        n = int(s.value or 0)
        if s.op == "base":
            value = available_at(str(s.location))
            name = f"available at {s.location}"
        elif s.op == "reserve":
            value, name = max(0, value - n), f"minus reserve {n}, not below 0"
        elif s.op == "cap":
            value, name = min(value, n), f"at most {n}"
        elif s.op == "min":
            value, name = max(value, n), f"at least {n}"
        elif s.op == "zero_below":
            value, name = (0 if value < n else value), f"0 when fewer than {n}"
        elif s.op == "round":
            value, name = value - value % n, f"rounded down to a multiple of {n}"
        elif s.op == "fixed":
            value, name = n, f"fixed {n}"
        else:
            value, name = 0, "stop_sell"
        value = record(name, value, input=before)
    return value
