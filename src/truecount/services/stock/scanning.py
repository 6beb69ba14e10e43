"""The scan page's acts: one scan is one unit, confirmed or refused at once; undo corrects it.

Modes (a decision where the spec is silent, see docs/web.md):
- ``receive`` — one unit received at the location (a ``receive`` movement, reference ``scan``);
- ``pick`` — one unit taken off the shelf: an ``adjust`` of −1 with reason ``picked``
  (shipping against an order belongs to the orders work);
- ``move`` — one unit transferred from the location to ``to_location``;
- ``count`` — the scan only identifies the item (the page tallies); :func:`finish_count`
  records the tallied figures as ``count`` movements.
Undo posts the opposite movement (reason ``undo of scan``); the ledger stays append-only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import variants
from truecount.domain.errors import InvalidInput
from truecount.services.common.lookups import location_id, variant_id
from truecount.services.common.scope import Scope
from truecount.services.stock.movements import PostMovement, post_movement

MODES = ("receive", "pick", "count", "move")
UNDO_REASON = "undo of scan"


@dataclass(frozen=True)
class Scan:
    mode: str
    code: str
    location: str
    to_location: str | None = None


def _command(scan: Scan, sku: str, undo: bool = False) -> PostMovement:
    if scan.mode == "receive":
        if undo:
            return PostMovement("adjust", sku, scan.location, -1, reason=UNDO_REASON, reference="scan")
        return PostMovement("receive", sku, scan.location, 1, reference="scan")
    if scan.mode == "pick":
        return PostMovement(
            "adjust", sku, scan.location, 1 if undo else -1, reason=UNDO_REASON if undo else "picked", reference="scan"
        )
    if not scan.to_location:
        raise InvalidInput("is required to move stock", field="to_location")
    source, dest = (scan.to_location, scan.location) if undo else (scan.location, scan.to_location)
    return PostMovement(
        "transfer", sku, source, 1, to_location=dest, reason=UNDO_REASON if undo else None, reference="scan"
    )


def identify(db: Database, scope: Scope, code: str, location: str) -> dict[str, Any]:
    """The SKU behind a scanned code (SKU or barcode), and its on_hand at ``location`` (bins included)."""
    from truecount.services.stock.levels import stock

    if not code.strip():
        raise InvalidInput("nothing was scanned", field="code")
    with db.read() as conn:
        vid = variant_id(conn, scope.merchant_id, code.strip(), field="code")
        location_id(conn, scope.merchant_id, location)
        sku = str(conn.execute(select(variants.c.sku).where(variants.c.id == vid)).scalar_one())
    on_hand = sum(r["on_hand"] for r in stock(db, scope, sku, location))
    return {"sku": sku, "on_hand": on_hand}


def scan(db: Database, scope: Scope, cmd: Scan, key: str | None = None) -> dict[str, Any]:
    """Record one scan (not for ``count``: see :func:`identify`). Returns the SKU and the level after it."""
    if cmd.mode not in MODES:
        raise InvalidInput(f"must be one of {', '.join(MODES)}", field="mode")
    found = identify(db, scope, cmd.code, cmd.location)
    if cmd.mode == "count":
        return {**found, "levels": []}
    result = post_movement(db, scope, _command(cmd, found["sku"]), key)
    return {"sku": found["sku"], "levels": result["levels"], "movements": result["movements"]}


def undo(db: Database, scope: Scope, cmd: Scan, key: str | None = None) -> dict[str, Any]:
    """Correct one earlier scan with the opposite movement."""
    if cmd.mode not in ("receive", "pick", "move"):
        raise InvalidInput("only a receive, pick or move scan can be undone", field="mode")
    found = identify(db, scope, cmd.code, cmd.location)
    result = post_movement(db, scope, _command(cmd, found["sku"], undo=True), key)
    return {"sku": found["sku"], "levels": result["levels"], "movements": result["movements"]}


def finish_count(
    db: Database, scope: Scope, location: str, counts: dict[str, int], key: str | None = None
) -> list[dict[str, Any]]:
    """Record each tallied figure as a stocktake at ``location``."""
    if not counts:
        raise InvalidInput("nothing was counted", field="counts")
    results = []
    for sku, counted in sorted(counts.items()):
        item_key = f"{key}:{sku}" if key else None
        result = post_movement(
            db, scope, PostMovement("count", sku, location, counted, reference="scan count"), item_key
        )
        results.append({"sku": sku, "counted": counted, "levels": result["levels"]})
    return results
