"""The scan page's acts: one scan is one unit, confirmed or refused at once; undo corrects it.

Modes (a decision where the spec is silent, see docs/web.md); each scan acts on ``quantity`` units (default 1):
- ``receive`` — units received at the location (a ``receive`` movement, reference ``scan``);
- ``pick`` — units taken off the shelf: an ``adjust`` of −quantity with reason ``picked``
  (shipping against an order is the order page's scan to pick);
- ``move`` — units transferred from the location to ``to_location``;
- ``count`` — the scan only identifies the item (the page tallies); :func:`finish_count`
  records the tallied figures as ``count`` movements.
Undo posts the opposite movement (reason ``undo of scan``); the ledger stays append-only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import locations, variants
from truecount.adapters.db.tables.ledger import movements
from truecount.domain.commands import PostMovement, Scan
from truecount.domain.errors import InvalidInput
from truecount.domain.model import LocationKind
from truecount.services.common.lookups import location_id, variant_id
from truecount.services.common.scope import Scope
from truecount.services.stock.movements import LevelAfter, post_movement

MODES = ("receive", "pick", "count", "move")
UNDO_REASON = "undo of scan"
RECENT_WINDOW = 2000  # the merchant's newest movements looked at to find a user's usual location


@dataclass(frozen=True, slots=True)
class Identified:
    """The SKU behind a scanned code and its units on hand at the location (bins included)."""

    sku: str
    on_hand: int


@dataclass(frozen=True, slots=True)
class Scanned:
    """A scan's answer: the SKU and the levels after it. A ``count`` scan only identifies the item
    (``on_hand`` set, no levels, ``movements`` None); the others record a movement (``on_hand`` None)."""

    sku: str
    on_hand: int | None = None
    levels: list[LevelAfter] = field(default_factory=list)
    movements: list[int] | None = None


@dataclass(frozen=True, slots=True)
class Counted:
    """One tallied figure recorded as a stocktake, and the level after it."""

    sku: str
    counted: int
    levels: list[LevelAfter]


def _command(scan: Scan, sku: str, undo: bool = False) -> PostMovement:
    q = scan.quantity
    if scan.mode == "receive":
        if undo:
            return PostMovement("adjust", sku, scan.location, -q, reason=UNDO_REASON, reference="scan")
        return PostMovement("receive", sku, scan.location, q, reference="scan")
    if scan.mode == "pick":
        return PostMovement(
            "adjust", sku, scan.location, q if undo else -q, reason=UNDO_REASON if undo else "picked", reference="scan"
        )
    if not scan.to_location:
        raise InvalidInput("is required to move stock", field="to_location")
    source, dest = (scan.to_location, scan.location) if undo else (scan.location, scan.to_location)
    return PostMovement(
        "transfer", sku, source, q, to_location=dest, reason=UNDO_REASON if undo else None, reference="scan"
    )


def _check_quantity(cmd: Scan, scope: Scope) -> None:
    q = cmd.quantity
    if isinstance(q, bool) or not isinstance(q, int) or not 0 < q <= scope.max_quantity:
        raise InvalidInput(f"must be a whole number from 1 to {scope.max_quantity}", field="quantity")


def usual_location(db: Database, scope: Scope) -> str | None:
    """Where this user usually works: the saleable, non-drop-ship location of most of their recent
    movements; else the first saleable, non-drop-ship location in priority order (the scan page's
    starting place)."""
    m = scope.merchant_id
    recent = (
        select(movements.c.location_id, movements.c.actor)
        .where(movements.c.merchant_id == m)
        .order_by(movements.c.id.desc())
        .limit(RECENT_WINDOW)
        .subquery()
    )
    usable = (
        (locations.c.merchant_id == m)
        & locations.c.saleable.is_(True)
        & (locations.c.kind != LocationKind.DROPSHIP.value)
    )
    with db.read() as conn:
        mine = conn.execute(
            select(locations.c.code)
            .join(recent, recent.c.location_id == locations.c.id)
            .where(usable, recent.c.actor == scope.actor)
            .group_by(locations.c.code)
            .order_by(func.count().desc(), locations.c.code)
            .limit(1)
        ).scalar()
        if mine is not None:
            return str(mine)
        first = conn.execute(
            select(locations.c.code).where(usable).order_by(locations.c.priority, locations.c.code).limit(1)
        ).scalar()
    return str(first) if first is not None else None


def identify(db: Database, scope: Scope, code: str, location: str) -> Identified:
    """The SKU behind a scanned code (SKU or barcode), and its on_hand at ``location`` (bins included)."""
    from truecount.services.stock.levels import stock

    if not code.strip():
        raise InvalidInput("nothing was scanned", field="code")
    with db.read() as conn:
        vid = variant_id(conn, scope.merchant_id, code.strip(), field="code")
        location_id(conn, scope.merchant_id, location)
        sku = str(conn.execute(select(variants.c.sku).where(variants.c.id == vid)).scalar_one())
    on_hand = sum(r.on_hand for r in stock(db, scope, sku, location))
    return Identified(sku, on_hand)


def scan(db: Database, scope: Scope, cmd: Scan, key: str | None = None) -> Scanned:
    """Record one scan (not for ``count``: see :func:`identify`). Returns the SKU and the level after it."""
    if cmd.mode not in MODES:
        raise InvalidInput(f"must be one of {', '.join(MODES)}", field="mode")
    _check_quantity(cmd, scope)
    found = identify(db, scope, cmd.code, cmd.location)
    if cmd.mode == "count":
        return Scanned(found.sku, on_hand=found.on_hand)
    result = post_movement(db, scope, _command(cmd, found.sku), key)
    return Scanned(found.sku, levels=result.levels, movements=result.movements)


def undo(db: Database, scope: Scope, cmd: Scan, key: str | None = None) -> Scanned:
    """Correct one earlier scan with the opposite movement."""
    if cmd.mode not in ("receive", "pick", "move"):
        raise InvalidInput("only a receive, pick or move scan can be undone", field="mode")
    _check_quantity(cmd, scope)
    found = identify(db, scope, cmd.code, cmd.location)
    result = post_movement(db, scope, _command(cmd, found.sku, undo=True), key)
    return Scanned(found.sku, levels=result.levels, movements=result.movements)


def finish_count(
    db: Database, scope: Scope, location: str, counts: dict[str, int], key: str | None = None
) -> list[Counted]:
    """Record each tallied figure as a stocktake at ``location``."""
    if not counts:
        raise InvalidInput("nothing was counted", field="counts")
    results = []
    for sku, counted in sorted(counts.items()):
        item_key = f"{key}:{sku}" if key else None
        result = post_movement(
            db, scope, PostMovement("count", sku, location, counted, reference="scan count"), item_key
        )
        results.append(Counted(sku, counted, result.levels))
    return results
