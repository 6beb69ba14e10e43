"""Stocktakes: count a location (or some of its bins), see the variance, approve to post the counts.

- :func:`start_stocktake` lists every item on hand at the places counted (the location's own
  shelf and each of its bins, or only the bins named) with the recorded figure;
- :func:`record_counts` sets a line's counted figure (typed) or adds to it (a scan); an item
  not listed gets a line of its own (expected: what is recorded, often 0);
- :func:`show_stocktake` — the lines with expected, counted and variance (a blind count hides
  expected and variance from those who may not see them);
- :func:`approve_stocktake` posts one ``count`` movement per counted line in one transaction
  (rules in :mod:`truecount.domain.stocktake`); uncounted lines are left as they are.
The API, the CLI and the pages call these functions.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import inventory_types, locations, products, variants
from truecount.adapters.db.tables.ledger import stock_levels
from truecount.adapters.db.tables.stocktakes import stocktake_lines, stocktakes
from truecount.domain import stocktake as rules
from truecount.domain.commands import PostMovement
from truecount.domain.errors import InvalidInput, NotFound
from truecount.domain.ledger import check_quantity
from truecount.domain.stocktake import CountLine, StartStocktake
from truecount.services.common.idempotency import run_once
from truecount.services.common.lookups import inventory_type_id, location_and_descendants, location_id, variant_id
from truecount.services.common.retry import with_retry
from truecount.services.common.scope import Scope, as_utc, db_time, utcnow
from truecount.services.common.sql import insert_ignore
from truecount.services.stock.ledger import read_level
from truecount.services.stock.movements import record_movement


@dataclass(frozen=True, slots=True)
class StocktakeLine:
    """An item to count at a place: expected (``None`` when hidden by a blind count), counted (``None``:
    not yet) and the variance."""

    line: int
    sku: str
    name: str
    place: str
    inventory_type: str
    expected: int | None
    counted: int | None
    variance: int | None


@dataclass(frozen=True, slots=True)
class Stocktake:
    """A stocktake with its lines: where, which places, blind or not, its status and who started and
    closed it when; ``expected_shown``: expected and variance are shown to this caller; ``replayed``: a
    write's key answered its first answer again."""

    id: int
    location: str
    places: list[str]
    blind: bool
    status: str
    started_by: str
    started_at: str
    closed_by: str | None
    closed_at: str | None
    expected_shown: bool
    lines: list[StocktakeLine]
    counted_lines: int
    variance_units: int | None
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class StocktakeSummary:
    """A stocktake as the list shows it: :class:`Stocktake` without its lines."""

    id: int
    location: str
    places: list[str]
    blind: bool
    status: str
    started_by: str
    started_at: str
    closed_by: str | None
    closed_at: str | None
    expected_shown: bool
    counted_lines: int
    variance_units: int | None


def start_stocktake(db: Database, scope: Scope, cmd: StartStocktake, key: str | None = None) -> Stocktake:
    m = scope.merchant_id

    def attempt() -> Stocktake:
        with db.write() as conn:
            return run_once(conn, m, key, {"stocktake": asdict(cmd)}, lambda: _start(conn, scope, cmd), Stocktake)

    return with_retry(attempt)


def _start(conn: Connection, scope: Scope, cmd: StartStocktake) -> Stocktake:
    m = scope.merchant_id
    root = location_id(conn, m, cmd.location)
    under = location_and_descendants(conn, m, root)
    places = under
    if cmd.bins:
        places = []
        for i, code in enumerate(cmd.bins):
            place = location_id(conn, m, code, field=f"bins[{i}]")
            if place not in under:
                raise InvalidInput(f"{code} is not {cmd.location} or one of its bins", field=f"bins[{i}]")
            places.append(place)
    now = db_time(utcnow())
    started = conn.execute(
        insert(stocktakes).values(
            merchant_id=m,
            location_id=root,
            places=json.dumps(sorted(set(places))),
            blind=cmd.blind,
            status=rules.COUNTING,
            started_by=scope.actor,
            started_at=now,
        )
    ).inserted_primary_key
    assert started is not None
    new_id = int(started[0])
    s = stock_levels.c
    on_hand = conn.execute(
        select(s.variant_id, s.location_id, s.inventory_type_id, s.on_hand).where(
            s.merchant_id == m, s.location_id.in_(places), s.on_hand != 0
        )
    ).all()
    if on_hand:
        conn.execute(
            insert(stocktake_lines),
            [
                {
                    "merchant_id": m,
                    "stocktake_id": new_id,
                    "variant_id": v,
                    "location_id": loc,
                    "inventory_type_id": t,
                    "expected": int(q),
                }
                for v, loc, t, q in on_hand
            ],
        )
    return _show(conn, m, new_id, True)


def _head(conn: Connection, m: int, stocktake_id: int, lock: bool = False) -> Any:
    stmt = select(stocktakes).where(stocktakes.c.merchant_id == m, stocktakes.c.id == stocktake_id)
    if lock and conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    head = conn.execute(stmt).first()
    if head is None:
        raise NotFound(f"no stocktake {stocktake_id}", field="id")
    return head


def _level(conn: Connection, m: int, v: int, loc: int, t: int) -> int:
    key = {"merchant_id": m, "variant_id": v, "location_id": loc, "inventory_type_id": t}
    return read_level(conn, key).on_hand


def record_counts(
    db: Database, scope: Scope, stocktake_id: int, lines: list[CountLine], may_see: bool = True, key: str | None = None
) -> Stocktake:
    """Set (or, ``add``, add to) counted figures; answers the stocktake as :func:`show_stocktake` does."""
    if not lines:
        raise InvalidInput("count at least one item", field="lines")
    for i, line in enumerate(lines):
        check_quantity(line.counted, field=f"lines[{i}].counted", max_quantity=scope.max_quantity, allow_zero=True)
    m = scope.merchant_id
    payload = {"counts": stocktake_id, "lines": [asdict(line) for line in lines]}

    def act(conn: Connection) -> Stocktake:
        head = _head(conn, m, stocktake_id, lock=True)
        rules.check_open(head.status, stocktake_id)
        places = json.loads(head.places)
        now = db_time(utcnow())
        for i, line in enumerate(lines):
            v = variant_id(conn, m, line.sku, field=f"lines[{i}].sku")
            loc = location_id(conn, m, line.place, field=f"lines[{i}].place") if line.place else int(head.location_id)
            if loc not in places:
                raise InvalidInput(
                    f"{line.place} is not counted in stocktake {stocktake_id}", field=f"lines[{i}].place"
                )
            t = inventory_type_id(conn, m, line.inventory_type, field=f"lines[{i}].inventory_type")
            where = {"merchant_id": m, "stocktake_id": stocktake_id, "variant_id": v, "location_id": loc}
            expected = _level(conn, m, v, loc, t)
            insert_ignore(conn, stocktake_lines, {**where, "inventory_type_id": t, "expected": expected})
            c = stocktake_lines.c
            conn.execute(
                update(stocktake_lines)
                .where(*[c[k] == val for k, val in where.items()], c.inventory_type_id == t)
                .values(
                    counted=func.coalesce(c.counted, 0) + line.counted if line.add else line.counted,
                    expected=expected,
                    counted_by=scope.actor,
                    counted_at=now,
                )
            )
        return _show(conn, m, stocktake_id, may_see)

    def attempt() -> Stocktake:
        with db.write() as conn:
            return run_once(conn, m, key, payload, lambda: act(conn), Stocktake)

    return with_retry(attempt)


def show_stocktake(db: Database, scope: Scope, stocktake_id: int, may_see: bool = True) -> Stocktake:
    """The stocktake with its lines (expected and variance hidden from who may not see a blind count's)."""
    with db.read() as conn:
        return _show(conn, scope.merchant_id, stocktake_id, may_see)


def _show(conn: Connection, m: int, stocktake_id: int, may_see: bool) -> Stocktake:
    head = _head(conn, m, stocktake_id)
    sees = rules.sees_expected(bool(head.blind), may_see)
    c = stocktake_lines.c
    rows = conn.execute(
        select(c.id, variants.c.sku, products.c.name, locations.c.code, inventory_types.c.code, c.expected, c.counted)
        .join(variants, variants.c.id == c.variant_id)
        .join(products, products.c.id == variants.c.product_id)
        .join(locations, locations.c.id == c.location_id)
        .join(inventory_types, inventory_types.c.id == c.inventory_type_id)
        .where(c.merchant_id == m, c.stocktake_id == stocktake_id)
        .order_by(locations.c.code, variants.c.sku, inventory_types.c.code)
    ).all()
    codes = dict(conn.execute(select(locations.c.id, locations.c.code).where(locations.c.merchant_id == m)).all())
    lines = [
        StocktakeLine(
            line=int(r[0]),
            sku=r[1],
            name=r[2],
            place=r[3],
            inventory_type=r[4],
            expected=int(r[5]) if sees else None,
            counted=None if r[6] is None else int(r[6]),
            variance=rules.variance(r[6], int(r[5])) if sees else None,
        )
        for r in rows
    ]
    return Stocktake(
        id=int(head.id),
        location=codes[head.location_id],
        places=sorted(codes[p] for p in json.loads(head.places)),
        blind=bool(head.blind),
        status=head.status,
        started_by=head.started_by,
        started_at=as_utc(head.started_at).isoformat(),
        closed_by=head.closed_by,
        closed_at=as_utc(head.closed_at).isoformat() if head.closed_at else None,
        expected_shown=sees,
        lines=lines,
        counted_lines=sum(1 for line in lines if line.counted is not None),
        variance_units=sum(line.variance or 0 for line in lines) if sees else None,
    )


def list_stocktakes(db: Database, scope: Scope, limit: int = 50, offset: int = 0) -> list[StocktakeSummary]:
    """Stocktakes newest first (without their lines)."""
    m = scope.merchant_id
    with db.read() as conn:
        ids = conn.execute(
            select(stocktakes.c.id)
            .where(stocktakes.c.merchant_id == m)
            .order_by(stocktakes.c.id.desc())
            .limit(limit)
            .offset(offset)
        ).scalars()
        shown = [_show(conn, m, int(i), False) for i in list(ids)]
    return [StocktakeSummary(**{k: v for k, v in asdict(s).items() if k not in ("lines", "replayed")}) for s in shown]


def approve_stocktake(
    db: Database, scope: Scope, stocktake_id: int, may_see: bool = True, key: str | None = None
) -> Stocktake:
    """Post one ``count`` per counted line (reference ``stocktake:ID``), all or none; then it is approved."""
    m = scope.merchant_id

    def act(conn: Connection) -> Stocktake:
        head = _head(conn, m, stocktake_id, lock=True)
        rules.check_open(head.status, stocktake_id)
        rules.check_may_approve(bool(head.blind), may_see, stocktake_id)
        c = stocktake_lines.c
        counted = conn.execute(
            select(variants.c.sku, locations.c.code, inventory_types.c.code, c.variant_id, c.location_id)
            .add_columns(c.inventory_type_id, c.expected, c.counted)
            .join(variants, variants.c.id == c.variant_id)
            .join(locations, locations.c.id == c.location_id)
            .join(inventory_types, inventory_types.c.id == c.inventory_type_id)
            .where(c.merchant_id == m, c.stocktake_id == stocktake_id, c.counted.is_not(None))
            .order_by(c.id)
        ).all()
        if not counted:
            raise InvalidInput(f"stocktake {stocktake_id} has nothing counted yet", field="lines")
        for sku, place, itype, v, loc, t, expected, figure in counted:
            now_on_hand = _level(conn, m, int(v), int(loc), int(t))
            posted = rules.figure_to_post(int(figure), int(expected), now_on_hand)
            cmd = PostMovement("count", sku, place, posted, inventory_type=itype, reference=f"stocktake:{stocktake_id}")
            record_movement(conn, scope, cmd, own_shelf=True)
        conn.execute(
            update(stocktakes)
            .where(stocktakes.c.id == stocktake_id)
            .values(status=rules.APPROVED, closed_by=scope.actor, closed_at=db_time(utcnow()))
        )
        return _show(conn, m, stocktake_id, True)

    def attempt() -> Stocktake:
        with db.write() as conn:
            return run_once(conn, m, key, {"approve": stocktake_id}, lambda: act(conn), Stocktake)

    return with_retry(attempt)


def cancel_stocktake(db: Database, scope: Scope, stocktake_id: int) -> Stocktake:
    """Close the stocktake without posting anything."""
    m = scope.merchant_id
    with db.write() as conn:
        head = _head(conn, m, stocktake_id, lock=True)
        rules.check_open(head.status, stocktake_id)
        conn.execute(
            update(stocktakes)
            .where(stocktakes.c.id == stocktake_id)
            .values(status=rules.CANCELLED, closed_by=scope.actor, closed_at=db_time(utcnow()))
        )
        return _show(conn, m, stocktake_id, False)
