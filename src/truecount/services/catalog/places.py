"""Locations after they are created: change a location or bin, and write one from an import row
(created when new, changed when ``update`` is asked for and it exists).

Whether a location is saleable and where it hangs (its parent) decide which stock feeds the
channels, so a change of either announces every variant stocked there (and in its bins) on the
availability seam, in the same transaction: channel offers follow at once.
"""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import Connection, select, update

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import locations
from truecount.adapters.db.tables.ledger import stock_levels
from truecount.domain.commands import AddLocation, EditLocation
from truecount.domain.errors import InvalidInput

from ..common import availability
from ..common.available import refresh_feeding
from ..common.idempotency import run_once
from ..common.lookups import location_and_descendants, location_id
from ..common.scope import Scope
from .records import LocationRow, create_location, location_row, validate_location

NO_PARENT = ""  # ``EditLocation.parent`` that makes a bin a top-level location


def edit_location(db: Database, scope: Scope, cmd: EditLocation, key: str | None = None) -> LocationRow:
    """Change a location or bin; the changed row."""
    with db.write() as conn:
        payload = {"edit_location": asdict(cmd)}
        return run_once(conn, scope.merchant_id, key, payload, lambda: change_location(conn, scope, cmd), LocationRow)


def change_location(conn: Connection, scope: Scope, cmd: EditLocation) -> LocationRow:
    """:func:`edit_location` inside the caller's transaction (imports)."""
    m = scope.merchant_id
    loc = location_id(conn, m, cmd.code, field="code")
    row = conn.execute(select(locations).where(locations.c.id == loc)).one()
    parent_code = None
    if row.parent_id is not None:
        parent_code = conn.execute(select(locations.c.code).where(locations.c.id == row.parent_id)).scalar_one()
    merged = AddLocation(
        code=cmd.code,
        name=row.name if cmd.name is None else cmd.name,
        kind=row.kind if cmd.kind is None else cmd.kind,
        saleable=bool(row.saleable) if cmd.saleable is None else cmd.saleable,
        parent=parent_code if cmd.parent is None else (cmd.parent or None),
        priority=int(row.priority) if cmd.priority is None else cmd.priority,
    )
    validate_location(merged)
    parent_id = row.parent_id
    if cmd.parent is not None:
        parent_id = location_id(conn, m, cmd.parent, field="parent") if cmd.parent else None
        if parent_id is not None and parent_id in location_and_descendants(conn, m, loc):
            raise InvalidInput(f"{cmd.parent} is {cmd.code} or one of its bins: a location cannot hold itself",
                               field="parent")  # fmt: skip
    conn.execute(
        update(locations)
        .where(locations.c.id == loc)
        .values(
            name=merged.name.strip(),
            kind=merged.kind,
            saleable=merged.saleable,
            parent_id=parent_id,
            priority=merged.priority,
        )
    )
    if merged.saleable != bool(row.saleable) or parent_id != row.parent_id:
        under = location_and_descendants(conn, m, loc)
        moved = conn.execute(
            select(stock_levels.c.variant_id)
            .where(stock_levels.c.merchant_id == m, stock_levels.c.location_id.in_(under))
            .distinct()
        ).scalars()
        availability.changed(conn, m, {int(v) for v in moved})
        refresh_feeding(conn, m)
    return location_row(loc, merged)


def write_location(conn: Connection, scope: Scope, cmd: AddLocation, given: set[str], *, update_existing: bool) -> str:
    """Create the location, or (``update_existing``) change the fields ``given`` of the one with its code.
    Returns ``created`` or ``updated``; without ``update_existing`` an existing code is refused."""
    exists = conn.execute(
        select(locations.c.id).where(locations.c.merchant_id == scope.merchant_id, locations.c.code == cmd.code)
    ).first()
    if exists is None or not update_existing:
        create_location(conn, scope, cmd)
        return "created"
    change_location(
        conn,
        scope,
        EditLocation(
            code=cmd.code,
            name=cmd.name if "name" in given else None,
            kind=cmd.kind if "kind" in given else None,
            saleable=cmd.saleable if "saleable" in given else None,
            parent=(cmd.parent or NO_PARENT) if "parent" in given else None,
            priority=cmd.priority if "priority" in given else None,
        ),
    )
    return "updated"
