"""Stock health trackers: set (upsert by key), list (lowest health first), delete, alerts.

A tracker is keyed by (merchant, variant, inventory type, mechanism): setting an existing
key replaces its parameters. Health is evaluated

- when a tracker is set (in the same transaction),
- whenever stock of a tracked variant moves (an availability listener, in the write
  transaction of the movement: only that variant's trackers), and
- whenever the list is read (time passes: windows slide, lots come close to expiry).

Crossing below 100% emits one ``tracker_alert`` event (and going back to 100% or more one
``tracker_recovered``): the flip of the stored ``alerting`` flag is a guarded ``UPDATE``,
so concurrent evaluations announce a crossing once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, select, update

from truecount.adapters.db.any_of import any_of
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import inventory_types, variants
from truecount.adapters.db.tables.trackers import trackers
from truecount.adapters.db.together import Rows, Statement, fetch_together
from truecount.domain.commands import SetTracker
from truecount.domain.errors import InvalidInput, NotFound
from truecount.domain.health import PARAMS, Health, Mechanism, check_params, evaluate, parse_mechanism
from truecount.services.common import availability
from truecount.services.common.idempotency import run_once
from truecount.services.common.lookups import inventory_type_id, variant_id
from truecount.services.common.outbox import emit_event
from truecount.services.common.scope import Scope, db_time, utcnow
from truecount.services.common.sql import insert_ignore
from truecount.services.trackers.figures import Watched, figures_for


@dataclass(frozen=True, slots=True)
class Tracker:
    """A tracker as the list shows it: its figure, threshold and health (percent) now."""

    id: int
    sku: str
    inventory_type: str
    mechanism: str
    params: dict[str, int]
    current: int
    threshold: float
    health: float
    reason: str | None
    alert: bool


@dataclass(frozen=True, slots=True)
class TrackerSaved(Tracker):
    """What :func:`set_tracker` answers: the tracker, ``created`` (false: an update), ``replayed``."""

    created: bool = False
    replayed: bool = False


@dataclass(frozen=True)
class _Row:
    id: int
    sku: str
    inventory_type: str
    watched: Watched
    alerting: bool


def set_tracker(db: Database, scope: Scope, cmd: SetTracker, key: str | None = None) -> TrackerSaved:
    """Create the tracker or update the parameters of the one with the same key.

    Returns the tracker as the list shows it, plus ``created`` (false: an update).
    """
    if not cmd.sku or not cmd.sku.strip():
        raise InvalidInput("is required", field="sku")
    if not cmd.inventory_type or not cmd.inventory_type.strip():
        raise InvalidInput("is required", field="inventory_type")
    mechanism = parse_mechanism(cmd.mechanism)
    params = check_params(mechanism, cmd.params)
    payload = {"tracker": {"sku": cmd.sku, "type": cmd.inventory_type, "mechanism": mechanism.value, **params}}
    with db.write() as conn:
        return run_once(
            conn, scope.merchant_id, key, payload, lambda: _set(conn, scope, mechanism, params, cmd), TrackerSaved
        )


def _set(conn: Connection, scope: Scope, mechanism: Mechanism, params: dict[str, int], cmd: SetTracker) -> TrackerSaved:
    m = scope.merchant_id
    vid = variant_id(conn, m, cmd.sku)
    if not conn.execute(select(variants.c.tracked).where(variants.c.merchant_id == m, variants.c.id == vid)).scalar():
        raise InvalidInput(f"{cmd.sku} is not tracked (a non-inventory item): it has no stock to watch", field="sku")
    tid = inventory_type_id(conn, m, cmd.inventory_type)
    now = db_time(utcnow())
    key = {"merchant_id": m, "variant_id": vid, "inventory_type_id": tid, "mechanism": mechanism.value}
    created = insert_ignore(
        conn,
        trackers,
        {**key, "params": json.dumps(params, sort_keys=True), "alerting": False, "created_at": now, "updated_at": now},
    )
    if not created:
        conn.execute(
            update(trackers)
            .where(*[trackers.c[name] == value for name, value in key.items()])
            .values(params=json.dumps(params, sort_keys=True), updated_at=now)
        )
    rows = _load(conn, m, key)
    (result,) = _evaluate_and_record(conn, m, rows, now)
    return TrackerSaved(**asdict(result), created=created)


def list_trackers(db: Database, scope: Scope) -> list[Tracker]:
    """Every tracker with ``current``, ``threshold``, ``health`` (percent) and ``reason``, lowest health first."""
    m = scope.merchant_id
    now = db_time(utcnow())
    with db.read() as conn:
        rows = _load(conn, m)
        results = _results(rows, figures_for(conn, m, [r.watched for r in rows], now))
    flipped = [row.id for row, result in zip(rows, results, strict=True) if row.alerting != result.alert]
    if flipped:
        with db.write() as conn:
            fresh = {r.id: r for r in _evaluate_and_record(conn, m, _load(conn, m, {"id": flipped}), now)}
        results = [fresh.get(r.id, r) for r in results]
    return sorted(results, key=lambda r: (r.health, r.sku, r.inventory_type, r.mechanism))


def delete_tracker(db: Database, scope: Scope, sku: str, inventory_type: str, mechanism: str) -> None:
    """Stop watching; refuses (``NotFound``) a tracker that does not exist."""
    parsed = parse_mechanism(mechanism)
    with db.write() as conn:
        m = scope.merchant_id
        vid = variant_id(conn, m, sku)
        tid = inventory_type_id(conn, m, inventory_type)
        gone = conn.execute(
            delete(trackers).where(
                trackers.c.merchant_id == m,
                trackers.c.variant_id == vid,
                trackers.c.inventory_type_id == tid,
                trackers.c.mechanism == parsed.value,
            )
        ).rowcount
        if not gone:
            raise NotFound(f"no {parsed.value} tracker for {sku} ({inventory_type})", field="mechanism")


def alert_count(db: Database, scope: Scope) -> int:
    """Trackers below 100% as last evaluated (cheap: for badges and dashboards)."""
    with db.read() as conn:
        return alerts_from(fetch_together(conn, [alert_count_read(scope.merchant_id)])[0])


_ALERTING = select(func.count()).where(trackers.c.merchant_id == bindparam("m"), trackers.c.alerting.is_(True))


def alert_count_read(m: int) -> Statement:
    """:func:`alert_count`'s read, for a page to send with its own (:func:`alerts_from` reads its rows)."""
    return (_ALERTING, {"m": m})


def alerts_from(rows: Rows) -> int:
    return int(rows[0][0])


def on_stock_changed(conn: Connection, merchant_id: int, variant_ids: set[int], watching: Rows) -> None:
    """The availability listener: re-evaluate the trackers of the variants that moved (same
    transaction). ``watching``: the rows of :data:`_OF_VARIANTS`, read by the seam."""
    rows = [_row(r) for r in watching]
    if rows:
        _evaluate_and_record(conn, merchant_id, rows, db_time(utcnow()))


def _watching(m: int, variant_ids: list[int]) -> list[Statement]:
    return [(_OF_VARIANTS, {"m": m, "variant_ids": variant_ids})]


LISTENER = availability.Reading(_watching, on_stock_changed)
"""Wired last (:func:`truecount.services.bootstrap.wire`): alerts see the levels the others left."""


_t = trackers.c
_SELECT = (
    select(_t.id, variants.c.sku, inventory_types.c.code, _t.variant_id, _t.inventory_type_id, _t.mechanism, _t.params)
    .add_columns(_t.alerting)
    .join(variants, variants.c.id == _t.variant_id)
    .join(inventory_types, inventory_types.c.id == _t.inventory_type_id)
    .where(_t.merchant_id == bindparam("m"))
    .order_by(_t.id)
)
# The listener's read (sent by the availability seam), built once: a movement of an untracked variant
# costs this one indexed lookup.
_OF_VARIANTS = _SELECT.where(any_of(_t.variant_id, "variant_ids"))


def _load(conn: Connection, m: int, where: dict[str, Any] | None = None) -> list[_Row]:
    stmt = _SELECT
    for name, value in (where or {}).items():
        stmt = stmt.where(_t[name].in_(value) if isinstance(value, list) else _t[name] == value)
    return [_row(r) for r in conn.execute(stmt, {"m": m})]


def _row(r: Sequence[Any]) -> _Row:
    return _Row(int(r[0]), r[1], r[2], Watched(int(r[3]), int(r[4]), Mechanism(r[5]), _params(r[5], r[6])), bool(r[7]))


def _params(mechanism: str, stored: str) -> dict[str, int]:
    """The stored parameters in the mechanism's own order (required first)."""
    values = json.loads(stored)
    required, optional = PARAMS[Mechanism(mechanism)]
    return {name: int(values[name]) for name in (*required, *optional) if name in values}


def _results(rows: list[_Row], figures: list[Any]) -> list[Tracker]:
    return [
        _public(row, evaluate(row.watched.mechanism, row.watched.params, f))
        for row, f in zip(rows, figures, strict=True)
    ]


def _public(row: _Row, health: Health) -> Tracker:
    return Tracker(
        id=row.id,
        sku=row.sku,
        inventory_type=row.inventory_type,
        mechanism=row.watched.mechanism.value,
        params=dict(row.watched.params),
        current=health.current,
        threshold=health.threshold,
        health=health.health,
        reason=health.reason,
        alert=health.alerting,
    )


def _evaluate_and_record(conn: Connection, m: int, rows: list[_Row], now: datetime) -> list[Tracker]:
    """Evaluate, and record and announce each crossing of 100% once (a guarded flip of ``alerting``)."""
    results = _results(rows, figures_for(conn, m, [r.watched for r in rows], now))
    for row, result in zip(rows, results, strict=True):
        alert = result.alert
        if alert == row.alerting:
            continue  # no crossing: nothing to write (keeps the movement's transaction short)
        flipped = conn.execute(
            update(trackers)
            .where(trackers.c.merchant_id == m, trackers.c.id == row.id, trackers.c.alerting.is_(not alert))
            .values(alerting=alert, health=result.health, evaluated_at=now)
        ).rowcount
        if flipped:
            payload = {k: v for k, v in asdict(result).items() if k not in ("id", "alert")}
            emit_event(conn, m, "tracker_alert" if alert else "tracker_recovered", payload)
    return results
