"""Factories for channels, listings and rules (the channel-offer work)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import variants
from truecount.adapters.db.tables.channels import channels
from truecount.adapters.db.tables.offers import offers
from truecount.domain.commands import CreateChannel, SetRule
from truecount.services.channels.setup import create_channel
from truecount.services.common.scope import Scope
from truecount.services.offers import listings
from truecount.services.offers import rules as offer_rules


def channel(db: Database, scope: Scope, code: str, locations: list[str], kind: str = "manual", **kwargs: Any) -> str:
    create_channel(db, scope, CreateChannel(code=code, kind=kind, locations=locations, **kwargs))
    return code


def listing(db: Database, scope: Scope, channel_code: str, sku: str, ref: str | dict[str, Any] | None = None) -> int:
    found = listings.add_listing(db, scope, channel_code, sku, ref or f"{channel_code}:{sku}")
    return found.id


def rule(db: Database, scope: Scope, channel_code: str, sku: str, kind: str, **kwargs: Any) -> None:
    offer_rules.set_rule(db, scope, channel_code, sku, SetRule(kind, **kwargs))


def stored(db: Database, scope: Scope) -> dict[tuple[str, str], int]:
    """Every stored offer as {(channel code, sku): quantity}."""
    with db.read() as conn:
        rows = conn.execute(
            select(channels.c.code, variants.c.sku, offers.c.quantity)
            .join(channels, channels.c.id == offers.c.channel_id)
            .join(variants, variants.c.id == offers.c.variant_id)
            .where(offers.c.merchant_id == scope.merchant_id)
        )
        return {(str(c), str(s)): int(q) for c, s, q in rows}


def changed_at(db: Database, scope: Scope) -> dict[tuple[str, str], Any]:
    with db.read() as conn:
        rows = conn.execute(
            select(channels.c.code, variants.c.sku, offers.c.changed_at)
            .join(channels, channels.c.id == offers.c.channel_id)
            .join(variants, variants.c.id == offers.c.variant_id)
            .where(offers.c.merchant_id == scope.merchant_id)
        )
        return {(str(c), str(s)): t for c, s, t in rows}
