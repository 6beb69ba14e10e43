"""Quantity rules, at most one per (channel, variant): set, clear, set many at once.

Every change recomputes, in its transaction, the listings it touches: the variant on that
channel and every bundle containing it there (a component's rule changes the bundle's figure).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import locations, variants
from truecount.adapters.db.tables.offers import channel_rules
from truecount.domain.commands import SetRule
from truecount.domain.errors import InvalidInput
from truecount.domain.listing_refs import check_rule
from truecount.services.channels.setup import load_channel
from truecount.services.common.idempotency import run_once
from truecount.services.common.lookups import location_id, variant_id
from truecount.services.common.scope import Scope, db_time, utcnow
from truecount.services.offers import recompute as offer_service


@dataclass(frozen=True, slots=True)
class RuleSaved:
    """A channel's rule for a SKU as saved (what the kind does not take is ``None``); ``replayed``: the
    key's first answer again."""

    channel: str
    sku: str
    kind: str
    quantity: int | None = None
    percent: float | None = None
    location: str | None = None
    reserve: int | None = None
    cap: int | None = None
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class RulesSet:
    """One rule set (or cleared) for ``skus`` SKUs of a channel; ``listings_changed``: offers that changed."""

    channel: str
    skus: int
    listings_changed: int
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class RuleCleared:
    """A SKU back to the default rule on a channel (``cleared`` false: it had none)."""

    channel: str
    sku: str
    cleared: bool
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class RuleRow:
    """A variant with the channel's rule for it (``kind`` ``None``: the default, offer the pool)."""

    sku: str
    kind: str | None
    quantity: int | None
    percent: Decimal | None
    location: str | None
    reserve: int | None
    cap: int | None


def set_rule(
    db: Database, scope: Scope, channel_code: str, sku: str, cmd: SetRule, key: str | None = None
) -> RuleSaved:
    """Set the channel's rule for ``sku`` (replacing any); its offers are recomputed."""
    checked = check_rule(cmd.kind, cmd.quantity, cmd.percent, cmd.location, cmd.reserve, cmd.cap)
    payload = {"channel": channel_code, "sku": sku, "rule": {k: str(v) for k, v in asdict(cmd).items()}}
    m = scope.merchant_id
    with db.write() as conn:

        def act() -> RuleSaved:
            channel = load_channel(conn, m, channel_code)
            vid = variant_id(conn, m, sku)
            write_rule(conn, m, channel.id, vid, checked)
            offer_service.recompute_variants(conn, m, {vid}, channel.id)
            return RuleSaved(channel_code, sku, **_public(checked))

        return run_once(conn, m, key, payload, act, RuleSaved)


def set_rules(
    db: Database, scope: Scope, channel_code: str, skus: list[str], cmd: SetRule | None, key: str | None = None
) -> RulesSet:
    """The same rule (``None``: back to the default) for every SKU of a selection, all or nothing, in one
    transaction; their offers are recomputed once."""
    if not skus:
        raise InvalidInput("choose at least one SKU", field="skus")
    checked = (
        None if cmd is None else check_rule(cmd.kind, cmd.quantity, cmd.percent, cmd.location, cmd.reserve, cmd.cap)
    )
    rule = None if cmd is None else {k: str(v) for k, v in asdict(cmd).items()}
    m = scope.merchant_id
    with db.write() as conn:

        def act() -> RulesSet:
            channel = load_channel(conn, m, channel_code)
            vids = {variant_id(conn, m, sku, field=f"skus[{i}]") for i, sku in enumerate(skus)}
            for vid in sorted(vids):
                if checked is None:
                    delete_rule(conn, m, channel.id, vid)
                else:
                    write_rule(conn, m, channel.id, vid, checked)
            changed = offer_service.recompute_variants(conn, m, vids, channel.id)
            return RulesSet(channel_code, len(vids), changed)

        return run_once(conn, m, key, {"channel": channel_code, "skus": skus, "rule": rule}, act, RulesSet)


def clear_rule(db: Database, scope: Scope, channel_code: str, sku: str, key: str | None = None) -> RuleCleared:
    """Back to the default (offer the pool)."""
    m = scope.merchant_id
    with db.write() as conn:

        def act() -> RuleCleared:
            channel = load_channel(conn, m, channel_code)
            vid = variant_id(conn, m, sku)
            removed = delete_rule(conn, m, channel.id, vid)
            offer_service.recompute_variants(conn, m, {vid}, channel.id)
            return RuleCleared(channel_code, sku, removed)

        return run_once(conn, m, key, {"channel": channel_code, "sku": sku, "clear": True}, act, RuleCleared)


def _public(checked: dict[str, Any]) -> dict[str, Any]:
    return {k: (float(v) if isinstance(v, Decimal) else v) for k, v in checked.items() if v is not None}


def delete_rule(conn: Connection, m: int, channel_id: int, vid: int) -> bool:
    result = conn.execute(
        delete(channel_rules).where(
            channel_rules.c.merchant_id == m,
            channel_rules.c.channel_id == channel_id,
            channel_rules.c.variant_id == vid,
        )
    )
    return bool(result.rowcount)


def write_rule(
    conn: Connection, m: int, channel_id: int, vid: int, checked: dict[str, Any], *, field: str = "location"
) -> None:
    """Replace the (channel, variant) rule with a checked one."""
    loc = location_id(conn, m, checked["location"], field=field) if checked.get("location") else None
    delete_rule(conn, m, channel_id, vid)
    conn.execute(
        insert(channel_rules).values(
            merchant_id=m,
            channel_id=channel_id,
            variant_id=vid,
            kind=checked["kind"],
            quantity=checked["quantity"],
            percent=checked["percent"],
            location_id=loc,
            reserve=checked["reserve"],
            cap=checked["cap"],
            updated_at=db_time(utcnow()),
        )
    )


def rules_of(db: Database, scope: Scope, channel_code: str) -> list[RuleRow]:
    """Every variant of the catalogue with the channel's rule for it (``kind`` None: the default)."""
    m = scope.merchant_id
    with db.read() as conn:
        channel = load_channel(conn, m, channel_code)
        rows = conn.execute(
            select(
                variants.c.sku,
                channel_rules.c.kind,
                channel_rules.c.quantity,
                channel_rules.c.percent,
                locations.c.code,
                channel_rules.c.reserve,
                channel_rules.c.cap,
            )
            .select_from(variants)
            .outerjoin(
                channel_rules,
                (channel_rules.c.merchant_id == variants.c.merchant_id)
                & (channel_rules.c.variant_id == variants.c.id)
                & (channel_rules.c.channel_id == channel.id),
            )
            .outerjoin(locations, locations.c.id == channel_rules.c.location_id)
            .where(variants.c.merchant_id == m)
            .order_by(variants.c.sku)
        )
        return [
            RuleRow(r[0], r[1], r[2], None if r[3] is None else Decimal(str(r[3])).normalize(), r[4], r[5], r[6])
            for r in rows
        ]
