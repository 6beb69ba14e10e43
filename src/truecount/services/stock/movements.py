"""Post a movement: receive, adjust, count, transfer, return, feed — the write path for people and feeds.

The API, the CLI, the scan page and imports all call :func:`post_movement`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime

from sqlalchemy import Connection, bindparam, select

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import locations, lots, variants
from truecount.adapters.db.tables.ledger import stock_levels
from truecount.domain.bins import BinStock, check_count_at_parent, check_take_at_parent
from truecount.domain.commands import PostMovement
from truecount.domain.errors import InvalidInput
from truecount.domain.ledger import check_delta, check_quantity, check_take, count_lines, plan_fefo
from truecount.domain.model import LedgerLine, MovementKind
from truecount.services.common import availability
from truecount.services.common.idempotency import run_once
from truecount.services.common.lookups import inventory_type_id, location_and_descendants, location_id, variant_id
from truecount.services.common.retry import with_retry
from truecount.services.common.scope import Scope, db_time, utcnow
from truecount.services.common.sql import insert_ignore
from truecount.services.stock.ledger import Guard, LineMeta, apply_line, level_key, lots_at, read_level

POSTABLE = ("receive", "adjust", "count", "transfer", "return", "feed")


@dataclass(frozen=True, slots=True)
class LevelAfter:
    """A level after a movement: what is on hand, booked and available there now."""

    sku: str
    location: str | None
    inventory_type: str
    on_hand: int
    booked: int
    available: int


@dataclass(frozen=True, slots=True)
class MovementRecorded:
    """A movement recorded: its ledger line ids (two per lot for a transfer) and the levels after it
    (the location, and the destination of a transfer); ``replayed``: the key's first answer again."""

    sku: str
    movements: list[int]
    levels: list[LevelAfter]
    replayed: bool = False


def post_movement(db: Database, scope: Scope, cmd: PostMovement, key: str | None = None) -> MovementRecorded:
    """Validate and record one movement (two for a transfer) in its own transaction.

    A replay of ``key`` returns the first result.
    """
    _validate(cmd, scope)

    def attempt() -> MovementRecorded:
        with db.write() as conn:
            return record_movement(conn, scope, cmd, key)

    # Arriving stock may book waiting backorders, which locks rows a concurrent cancel also
    # locks: PostgreSQL may then abort one of the two; the movement is replayed, never lost.
    return with_retry(attempt)


def record_movement(
    conn: Connection,
    scope: Scope,
    cmd: PostMovement,
    key: str | None = None,
    *,
    at: datetime | None = None,
    own_shelf: bool = False,
) -> MovementRecorded:
    """Record a movement inside the caller's write transaction (imports, the demo, other services).

    ``at`` back-dates the movement; only bulk loaders (demo, import) pass it, in time order.
    ``own_shelf``: a count at a location means its own shelf even when its bins hold the variant
    (a stocktake counts the shelf and each bin as separate lines); otherwise such a count is refused.
    """
    _validate(cmd, scope)
    return run_once(
        conn,
        scope.merchant_id,
        key,
        {"movement": asdict(cmd)},
        lambda: _post(conn, scope, cmd, key, at, own_shelf),
        MovementRecorded,
    )


def _validate(cmd: PostMovement, scope: Scope) -> None:
    if cmd.kind not in POSTABLE:
        raise InvalidInput(f"must be one of {', '.join(POSTABLE)}", field="kind")
    if not cmd.sku:
        raise InvalidInput("is required", field="sku")
    if not cmd.location:
        raise InvalidInput("is required", field="location")
    for name in ("sku", "location", "to_location", "inventory_type", "lot", "reason", "reference"):
        value = getattr(cmd, name)
        if isinstance(value, str) and "\x00" in value:
            raise InvalidInput("must not contain a NUL character", field=name)
    if cmd.kind == "adjust":
        check_delta(cmd.quantity, field="quantity", max_quantity=scope.max_quantity)
        if not (cmd.reason and cmd.reason.strip()):
            raise InvalidInput("is required for an adjustment", field="reason")
    elif cmd.kind in ("count", "feed"):
        check_quantity(cmd.quantity, field="quantity", max_quantity=scope.max_quantity, allow_zero=True)
    else:
        check_quantity(cmd.quantity, field="quantity", max_quantity=scope.max_quantity)
    if cmd.kind == "transfer":
        if not cmd.to_location:
            raise InvalidInput("is required for a transfer", field="to_location")
        if cmd.to_location == cmd.location:
            raise InvalidInput("must differ from the location: a transfer to the same place", field="to_location")
    elif cmd.to_location:
        raise InvalidInput(f"only applies to a transfer, not a {cmd.kind}", field="to_location")
    if cmd.expires_on and not cmd.lot:
        raise InvalidInput("needs a lot: an expiry date belongs to a lot", field="expires_on")
    if cmd.lot is not None and len(cmd.lot) > 128:
        raise InvalidInput("is longer than 128 characters", field="lot")


def _post(
    conn: Connection, scope: Scope, cmd: PostMovement, key: str | None, when: datetime | None, own_shelf: bool = False
) -> MovementRecorded:
    m = scope.merchant_id
    found = conn.execute(_VARIANT_BY_SKU, {"m": m, "sku": cmd.sku}).first()
    if found is None:  # a barcode, or refused naming the SKU
        found = conn.execute(_VARIANT_BY_ID, {"id": variant_id(conn, m, cmd.sku)}).one()
    vid = int(found.id)
    loc = location_id(conn, m, cmd.location)
    itype = inventory_type_id(conn, m, cmd.inventory_type)
    sku = str(found.sku)  # the SKU, also when a barcode was given
    if not found.tracked:
        raise InvalidInput(f"{sku} is not tracked (a non-inventory item): it has no stock", field="sku")
    if cmd.kind in ("count", "adjust", "transfer") and not own_shelf:
        _check_bins(conn, m, cmd, sku, vid, loc, itype)
    meta = LineMeta(m, db_time(when or utcnow()), scope.actor, cmd.reason, cmd.reference, key)
    lot = cmd.lot or ""
    if cmd.lot:
        _ensure_lot(conn, m, vid, cmd.lot, cmd.expires_on)
    kind = MovementKind(cmd.kind) if cmd.kind != "transfer" else MovementKind.TRANSFER_OUT

    def line(
        k: MovementKind, on_hand: int, at: int = loc, lot_code: str = lot, counted: int | None = None
    ) -> LedgerLine:
        return LedgerLine(k, vid, at, itype, lot_code, on_hand, 0, counted)

    ids: list[int] = []
    touched = [loc]
    if cmd.kind in ("receive", "return") or (cmd.kind == "adjust" and cmd.quantity > 0):
        ids.append(apply_line(conn, line(kind, cmd.quantity), meta))
    elif cmd.kind == "adjust":
        for lot_code, q in _takes(conn, m, line(kind, 0), cmd.lot, -cmd.quantity):
            ids.append(apply_line(conn, line(kind, -q, lot_code=lot_code), meta))
    elif cmd.kind in ("count", "feed"):
        ids.extend(_set_figure(conn, m, kind, line(kind, 0), cmd.lot, cmd.quantity, meta))
    else:  # transfer: out and in, one transaction, lots carried along
        dest = location_id(conn, m, cmd.to_location or "", field="to_location")
        touched.append(dest)
        for lot_code, q in _takes(conn, m, line(kind, 0), cmd.lot, cmd.quantity):
            ids.append(apply_line(conn, line(MovementKind.TRANSFER_OUT, -q, lot_code=lot_code), meta))
            ids.append(apply_line(conn, line(MovementKind.TRANSFER_IN, q, at=dest, lot_code=lot_code), meta))
    availability.changed(conn, m, {vid})
    levels = []
    for at, code in zip(touched, (cmd.location, cmd.to_location), strict=False):
        level = read_level(conn, level_key(m, line(kind, 0, at=at)))
        levels.append(LevelAfter(sku, code, cmd.inventory_type, level.on_hand, level.booked, level.available))
    return MovementRecorded(sku, ids, levels)


_VARIANT = select(variants.c.id, variants.c.sku, variants.c.tracked)
_VARIANT_BY_SKU = _VARIANT.where(variants.c.merchant_id == bindparam("m"), variants.c.sku == bindparam("sku"))
_VARIANT_BY_ID = _VARIANT.where(variants.c.id == bindparam("id"))


def _check_bins(conn: Connection, m: int, cmd: PostMovement, sku: str, vid: int, loc: int, itype: int) -> None:
    """A count, or a take the location's own shelf cannot cover, at a location whose bins hold the
    variant is refused naming the bins (rules in :mod:`truecount.domain.bins`)."""
    if cmd.kind == "adjust" and cmd.quantity > 0:
        return
    below = [i for i in location_and_descendants(conn, m, loc) if i != loc]
    if not below:
        return
    s = stock_levels.c
    bins = [
        BinStock(str(r.code), int(r.on_hand), int(r.on_hand) - int(r.booked))
        for r in conn.execute(
            select(locations.c.code, s.on_hand, s.booked)
            .join(locations, locations.c.id == s.location_id)
            .where(s.merchant_id == m, s.variant_id == vid, s.inventory_type_id == itype, s.location_id.in_(below))
            .order_by(locations.c.code)
        )
    ]
    if cmd.kind == "count":
        check_count_at_parent(cmd.location, sku, bins)
        return
    own = read_level(conn, {"merchant_id": m, "variant_id": vid, "location_id": loc, "inventory_type_id": itype})
    check_take_at_parent(cmd.location, sku, own.available, abs(cmd.quantity), bins)


def _takes(conn: Connection, m: int, probe: LedgerLine, lot: str | None, quantity: int) -> list[tuple[str, int]]:
    """Where a take comes from: the named lot, or first-expiry-first-out across lots.

    Only available stock may be taken: the level's guard refuses the rest.
    """
    key = level_key(m, probe)
    level = read_level(conn, key, lock=True)
    check_take(level, quantity)
    if lot is not None:
        return [(lot, quantity)]
    return plan_fefo(lots_at(conn, key), quantity)


def _set_figure(
    conn: Connection, m: int, kind: MovementKind, probe: LedgerLine, lot: str | None, figure: int, meta: LineMeta
) -> list[int]:
    """A stocktake or a supplier feed: record the figure, the delta is figure − expected.

    Without a lot, a shortfall leaves first-expiry-first-out and a surplus goes to the unlotted stock.
    """
    key = level_key(m, probe)
    level = read_level(conn, key, lock=True)
    # Lots matter for a named lot or a shortfall (first-expiry-first-out); read them only then.
    lots = lots_at(conn, key) if lot is not None or figure < level.on_hand else []
    ids = []
    for code, delta, counted in count_lines(figure, lot, level.on_hand, lots):
        line = LedgerLine(kind, probe.variant_id, probe.location_id, probe.inventory_type_id, code, delta, 0, counted)
        ids.append(apply_line(conn, line, meta, Guard.NON_NEGATIVE))
    return ids


def _ensure_lot(conn: Connection, m: int, vid: int, code: str, expires_on: date | None) -> None:
    insert_ignore(conn, lots, {"merchant_id": m, "variant_id": vid, "code": code, "expires_on": expires_on})
    if expires_on is not None:
        stored = conn.execute(
            select(lots.c.expires_on).where(lots.c.merchant_id == m, lots.c.variant_id == vid, lots.c.code == code)
        ).scalar()
        if stored is not None and stored != expires_on:
            raise InvalidInput(f"lot {code} already expires on {stored}, not {expires_on}", field="expires_on")
