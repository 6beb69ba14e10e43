"""Add, list and remove a variant's substitutes (the rules: :mod:`truecount.domain.substitutes`).

A substitute is booked as itself, so it must be tracked and not a bundle (a bundle is booked
through its components); the ordered variant likewise (an untracked variant is never short, a
bundle line books its components). Writes take an idempotency key, as every write does.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from sqlalchemy import Connection, delete, insert, select

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import variants
from truecount.adapters.db.tables.channels import channels as channel_table
from truecount.adapters.db.tables.substitutes import variant_substitutes
from truecount.domain import substitutes as rules
from truecount.domain.errors import AlreadyExists, InvalidInput, NotFound
from truecount.domain.substitutes import AddSubstitute
from truecount.services.common.idempotency import run_once
from truecount.services.common.lookups import variant_id
from truecount.services.common.scope import Scope, db_time, utcnow

_s = variant_substitutes.c


@dataclass(frozen=True, slots=True)
class SubstituteEntry:
    """One substitute of a variant: its place in the list (from 1), SKU, ratio, the channels that
    allow it (``None``: every channel) and whether the customer must be told."""

    position: int
    sku: str
    ratio: int
    channels: list[str] | None
    notify: bool


@dataclass(frozen=True, slots=True)
class Substitutes:
    """A variant's substitutes, in the order they are tried."""

    sku: str
    substitutes: list[SubstituteEntry] = field(default_factory=list)
    replayed: bool = False


def add_substitute(db: Database, scope: Scope, cmd: AddSubstitute, key: str | None = None) -> Substitutes:
    """Append ``cmd.substitute`` to the list of ``cmd.sku``; the list as it is then."""
    rules.check_ratio(cmd.ratio)
    if cmd.channels is not None and not cmd.channels:
        raise InvalidInput("name at least one channel, or leave it out for every channel", field="channels")
    with db.write() as conn:
        return run_once(
            conn, scope.merchant_id, key, {"add_substitute": asdict(cmd)}, lambda: _add(conn, scope, cmd), Substitutes
        )


def _add(conn: Connection, scope: Scope, cmd: AddSubstitute) -> Substitutes:
    m = scope.merchant_id
    ordered = _bookable(conn, m, cmd.sku, "sku")
    other = _bookable(conn, m, cmd.substitute, "substitute")
    if other == ordered:
        raise InvalidInput("a variant cannot substitute for itself", field="substitute")
    channel_ids = _channel_ids(conn, m, cmd.channels)
    listed = conn.execute(
        select(_s.substitute_id, _s.position).where(_s.merchant_id == m, _s.variant_id == ordered)
    ).all()
    if any(int(r.substitute_id) == other for r in listed):
        raise AlreadyExists(f"{cmd.substitute!r} is already a substitute of {cmd.sku!r}", field="substitute")
    if len(listed) >= rules.MAX_SUBSTITUTES:
        raise InvalidInput(f"a variant has at most {rules.MAX_SUBSTITUTES} substitutes", field="substitute")
    conn.execute(
        insert(variant_substitutes).values(
            merchant_id=m,
            variant_id=ordered,
            substitute_id=other,
            position=max((int(r.position) for r in listed), default=0) + 1,
            ratio=cmd.ratio,
            channels=None if channel_ids is None else json.dumps(channel_ids),
            notify=cmd.notify,
            created_at=db_time(utcnow()),
        )
    )
    return _listed(conn, m, ordered)


def _bookable(conn: Connection, m: int, sku: str, name: str) -> int:
    """The variant named ``sku`` (or barcode), locked while the list changes; refused when it is not
    booked as itself (untracked, or a bundle)."""
    vid = variant_id(conn, m, sku, field=name)
    stmt = select(variants.c.tracked, variants.c.is_bundle).where(variants.c.id == vid)
    if conn.dialect.name == "postgresql" and name == "sku":
        stmt = stmt.with_for_update()  # two adds to one list at once: the second waits, then takes the next place
    row = conn.execute(stmt).one()
    if not row.tracked:
        raise InvalidInput(f"{sku!r} is not tracked: it is never short, and never shipped for another", field=name)
    if row.is_bundle:
        raise InvalidInput(f"{sku!r} is a bundle, booked through its components: it takes no substitutes", field=name)
    return vid


def _channel_ids(conn: Connection, m: int, codes: list[str] | None) -> list[int] | None:
    if codes is None:
        return None
    ids: list[int] = []
    for i, code in enumerate(codes):
        found = conn.execute(
            select(channel_table.c.id).where(channel_table.c.merchant_id == m, channel_table.c.code == code)
        ).scalar()
        if found is None:
            raise NotFound(f"no channel {code!r}", field=f"channels[{i}]")
        if int(found) not in ids:
            ids.append(int(found))
    return ids


def list_substitutes(db: Database, scope: Scope, sku: str) -> Substitutes:
    """The substitutes of ``sku``, in the order they are tried."""
    with db.read() as conn:
        return _listed(conn, scope.merchant_id, variant_id(conn, scope.merchant_id, sku))


def remove_substitute(db: Database, scope: Scope, sku: str, substitute: str, key: str | None = None) -> Substitutes:
    """Take ``substitute`` off the list of ``sku`` (the others keep their order); the list as it is then."""
    with db.write() as conn:
        return run_once(
            conn,
            scope.merchant_id,
            key,
            {"remove_substitute": [sku, substitute]},
            lambda: _remove(conn, scope.merchant_id, sku, substitute),
            Substitutes,
        )


def _remove(conn: Connection, m: int, sku: str, substitute: str) -> Substitutes:
    ordered = variant_id(conn, m, sku)
    other = variant_id(conn, m, substitute, field="substitute")
    gone = conn.execute(
        delete(variant_substitutes).where(_s.merchant_id == m, _s.variant_id == ordered, _s.substitute_id == other)
    ).rowcount
    if not gone:
        raise NotFound(f"{substitute!r} is not a substitute of {sku!r}", field="substitute")
    return _listed(conn, m, ordered)


def _listed(conn: Connection, m: int, ordered: int) -> Substitutes:
    sku = conn.execute(select(variants.c.sku).where(variants.c.id == ordered)).scalar_one()
    rows = conn.execute(
        select(variants.c.sku, _s.ratio, _s.channels, _s.notify)
        .join(variants, variants.c.id == _s.substitute_id)
        .where(_s.merchant_id == m, _s.variant_id == ordered)
        .order_by(_s.position)
    ).all()
    codes = dict(
        conn.execute(select(channel_table.c.id, channel_table.c.code).where(channel_table.c.merchant_id == m)).all()
    )
    entries = [
        SubstituteEntry(
            n,
            r.sku,
            int(r.ratio),
            None if r.channels is None else [codes[c] for c in json.loads(r.channels) if c in codes],
            bool(r.notify),
        )
        for n, r in enumerate(rows, start=1)
    ]
    return Substitutes(str(sku), entries)
