"""Kits (assemblies): bills of materials, how a kit is sold, and the rules of a work order. Pure.

A kit is a variant with a **bill of materials**: (component, units per kit). It is sold

- ``virtual`` — from its components at order time (a bundle): never assembled ahead;
- ``ahead`` — only as assembled stock, built by work orders: channels book and are offered the
  kit's own stock, never its components;
- ``both`` — assembled stock first (a line the kit's own stock covers whole is taken from it),
  else from its components; offers count both.

A kit sold from its components (``virtual``, ``both``) cannot itself be a component: a kit of
kits is built ahead, level by level (:func:`find_cycle` refuses a bill that contains itself).

A **work order** builds N of a kit at one location: ``draft → released → in_progress → done``, or
``cancelled``. Releasing books the components (:func:`plan_release`, with the booking rule of
:func:`truecount.domain.booking.planner.take`); completing consumes them and produces the kit
(partly, as often as needed, with scrap); the kit's lot expires with its earliest component
(:func:`kit_expiry`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from .booking.planner import take
from .booking.sources import Take
from .booking.view import ChannelSources, Place
from .errors import Conflict, InvalidInput

VIRTUAL, AHEAD, BOTH = "virtual", "ahead", "both"
MODES = (VIRTUAL, AHEAD, BOTH)
FROM_COMPONENTS = frozenset({VIRTUAL, BOTH})
"""Modes in which channels book (and are offered) a kit through its components."""
MAX_PER_KIT = 100_000


class WorkOrderStatus(StrEnum):
    DRAFT = "draft"
    RELEASED = "released"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


_ACTS: dict[str, frozenset[WorkOrderStatus]] = {
    "release": frozenset({WorkOrderStatus.DRAFT}),
    "complete": frozenset({WorkOrderStatus.RELEASED, WorkOrderStatus.IN_PROGRESS}),
    "cancel": frozenset({WorkOrderStatus.DRAFT, WorkOrderStatus.RELEASED, WorkOrderStatus.IN_PROGRESS}),
}


def check_act(act: str, status: str, work_order: int) -> None:
    """Refuse ``act`` on a work order in ``status`` (a conflict naming what is allowed)."""
    allowed = _ACTS[act]
    if status not in allowed:
        wanted = " or ".join(sorted(s.value.replace("_", " ") for s in allowed))
        raise Conflict(
            f"work order {work_order} is {status.replace('_', ' ')}: only a {wanted} one can be {act}d"
            if act != "cancel"
            else f"work order {work_order} is {status.replace('_', ' ')}: it can no longer be cancelled",
            field="status",
        )


@dataclass(frozen=True)
class Part:
    """One line of a bill of materials as given: a component's SKU and units per kit."""

    sku: str
    quantity: int


def parse_parts(text: str) -> list[Part]:
    """``A:2,B:1`` (a missing quantity is 1) → parts; a quantity that is no whole number is refused
    naming ``components`` (the bill's rules, :func:`check_bill`, judge the rest)."""
    parts = []
    for piece in filter(None, (p.strip() for p in text.split(","))):
        sku, _, qty = piece.partition(":")
        try:
            quantity = int(qty or "1")
        except ValueError:
            raise InvalidInput(f"{piece!r}: quantity must be a whole number (SKU:QTY)", field="components") from None
        parts.append(Part(sku.strip(), quantity))
    return parts


def check_bill(sku: str, mode: str, parts: Sequence[Part]) -> None:
    """A bill as given: a known mode, at least one component, none twice nor the kit itself, whole
    quantities from 1 to :data:`MAX_PER_KIT`."""
    if mode not in MODES:
        raise InvalidInput(f"must be one of {', '.join(MODES)}", field="mode")
    if not parts:
        raise InvalidInput("must list at least one component", field="components")
    seen: set[str] = set()
    for i, part in enumerate(parts):
        if not part.sku or not part.sku.strip():
            raise InvalidInput("is required", field=f"components[{i}].sku")
        if part.sku == sku:
            raise InvalidInput(f"{sku} cannot be a component of itself", field=f"components[{i}].sku")
        if part.sku in seen:
            raise InvalidInput(f"component {part.sku!r} is listed twice", field=f"components[{i}].sku")
        seen.add(part.sku)
        q = part.quantity
        if isinstance(q, bool) or not isinstance(q, int) or not 0 < q <= MAX_PER_KIT:
            raise InvalidInput(f"must be a whole number from 1 to {MAX_PER_KIT}", field=f"components[{i}].quantity")


def find_cycle(kit: int, components: Sequence[int], bills: Mapping[int, Sequence[int]]) -> list[int] | None:
    """The path ``kit → … → kit`` when giving ``kit`` these ``components`` makes a kit contain
    itself, given every other kit's components (``bills``); ``None`` when it does not."""
    graph = {**bills, kit: list(components)}
    path: list[int] = [kit]

    def walk(node: int, seen: set[int]) -> list[int] | None:
        for nxt in graph.get(node, ()):
            if nxt == kit:
                return [*path, kit]
            if nxt in seen:
                continue
            seen.add(nxt)
            path.append(nxt)
            found = walk(nxt, seen)
            if found is not None:
                return found
            path.pop()
        return None

    return walk(kit, {kit})


@dataclass(frozen=True)
class ComponentTakes:
    """What releasing a work order books of one component: ``per_kit`` × kits, from ``takes``."""

    variant_id: int
    per_kit: int
    takes: list[Take]
    short: int


def plan_release(
    bill: Sequence[tuple[int, int]], kits: int, free: Mapping[int, Mapping[Place, int]], sources: ChannelSources
) -> list[ComponentTakes]:
    """Where each component of ``kits`` kits is booked: the booking rule of the planner
    (:func:`~truecount.domain.booking.planner.take`) over the work order's sources. ``bill`` is
    (component, units per kit); ``free`` the free stock per component and place."""
    found = []
    for component, per_kit in bill:
        takes, short = take(per_kit * kits, free.get(component, {}), sources)
        found.append(ComponentTakes(component, per_kit, takes, short))
    return found


def check_completion(open_kits: int, quantity: int, scrap: int, reason: str | None, *, max_quantity: int) -> None:
    """A completion: ``quantity`` kits produced and ``scrap`` kits' worth of components lost, with a
    reason for any scrap, together no more than the work order still has open."""
    for name, value in (("quantity", quantity), ("scrap", scrap)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidInput("must be a whole number, not negative", field=name)
        if value > max_quantity:
            raise InvalidInput(f"is absurdly large (more than {max_quantity})", field=name)
    if quantity + scrap == 0:
        raise InvalidInput("must be greater than zero (or give --scrap)", field="quantity")
    if scrap and not (reason and reason.strip()):
        raise InvalidInput("is required with scrap: say why the components were lost", field="reason")
    if quantity + scrap > open_kits:
        raise InvalidInput(
            f"the work order has {open_kits} kit(s) still open, {quantity + scrap} completed or scrapped",
            field="quantity",
        )


def kit_expiry(consumed: Sequence[tuple[date | None, int]]) -> date | None:
    """A kit's lot expires with its earliest-expiring component lot consumed for it (``None``:
    none of them expires). ``consumed``: (expires_on, quantity) per lot taken."""
    dates = [expires for expires, q in consumed if expires is not None and q > 0]
    return min(dates) if dates else None


def kit_lot(work_order: int, expires: date | None) -> str:
    """The lot code of kits a work order produced with this expiry ("" when they never expire)."""
    return f"WO{work_order}-{expires:%Y%m%d}" if expires is not None else ""


@dataclass(frozen=True)
class CreateWorkOrder:
    """Build ``quantity`` of kit ``sku`` at ``location``."""

    sku: str
    quantity: int
    location: str


@dataclass(frozen=True)
class SetBill:
    """Give ``sku`` these components (replacing any it had), sold in ``mode``."""

    sku: str
    components: list[Part] = field(default_factory=list)
    mode: str = VIRTUAL
    build_to_order_at: str | None = None  # a location: orders that owe the kit create work orders there


@dataclass(frozen=True)
class Complete:
    """``quantity`` kits built and ``scrap`` kits' worth of components lost (``reason`` why)."""

    work_order: int
    quantity: int
    scrap: int = 0
    reason: str | None = None
