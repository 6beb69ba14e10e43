"""One listing's own terms, edited one listing at a time: its units per sale, its quantity rule (an
ordered list of steps, :mod:`truecount.domain.listing_steps`) and its price rule
(:mod:`truecount.domain.pricing`). Every change recomputes that listing's offer and price in its
transaction (stored, push queued when either changed)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select, update

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.offers import listings
from truecount.domain.commands import ListingChange
from truecount.domain.errors import InvalidInput, NotFound
from truecount.domain.listing_steps import Step, check_steps
from truecount.domain.pricing import PriceRule, check_price_rule, parse_price_rule
from truecount.services.channels.setup import load_channel
from truecount.services.common.idempotency import run_once
from truecount.services.common.lookups import location_id
from truecount.services.common.scope import Scope
from truecount.services.offers import recompute as offer_service
from truecount.services.offers.listings import ListingRow, check_units, list_listings


@dataclass(frozen=True, slots=True)
class _Changed:
    """What an idempotent listing change keeps with its key: the listing changed (the answer is read after)."""

    ref: str
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class Located:
    """A listing found by its reference on a channel."""

    id: int
    channel_id: int
    variant_id: int


def find_listing(conn: Connection, m: int, channel_code: str, ref: str) -> Located:
    """The listing ``ref`` of the channel, or :class:`NotFound` naming ``ref``."""
    channel = load_channel(conn, m, channel_code)
    row = conn.execute(
        select(listings.c.id, listings.c.variant_id).where(
            listings.c.merchant_id == m, listings.c.channel_id == channel.id, listings.c.external_ref == ref
        )
    ).first()
    if row is None:
        raise NotFound(f"no listing {ref!r} on {channel_code}", field="ref")
    return Located(int(row.id), channel.id, int(row.variant_id))


def checked_steps(conn: Connection, m: int, raw: Sequence[Any], field: str = "steps") -> tuple[Step, ...]:
    """The steps checked, each named location known (a refusal names ``steps[N].location``)."""
    steps = check_steps(raw, field=field)
    for n, step in enumerate(steps):
        if step.location is not None:
            location_id(conn, m, step.location, field=f"{field}[{n}].location")
    return steps


def _price_rule(given: PriceRule | Mapping[str, Any] | Sequence[str]) -> PriceRule:
    if isinstance(given, PriceRule):
        return given
    if isinstance(given, Mapping):
        return check_price_rule(given)
    return parse_price_rule(list(given))


def stored_steps(steps: tuple[Step, ...] | None) -> str | None:
    return None if steps is None else json.dumps([s.as_dict() for s in steps])


def change_listing(
    db: Database, scope: Scope, channel_code: str, ref: str, change: ListingChange, key: str | None = None
) -> ListingRow:
    """Change a listing's units per sale and/or its quantity steps; its offer is recomputed at once."""
    if change.steps is not None and change.clear_steps:
        raise InvalidInput("give steps or clear them, not both", field="steps")
    if change.price is not None and change.clear_price:
        raise InvalidInput("give a price rule or clear it, not both", field="price")
    given = (change.units_per_sale, change.steps, change.price)
    if all(part is None for part in given) and not change.clear_steps and not change.clear_price:
        raise InvalidInput("nothing to change: give units_per_sale, steps or price", field="body")
    units = None if change.units_per_sale is None else check_units(change.units_per_sale)
    rule = None if change.price is None else _price_rule(change.price)
    payload = {
        "channel": channel_code,
        "ref": ref,
        "units": units,
        "steps": change.steps,
        "clear": change.clear_steps,
        "price": None if rule is None else rule.as_dict(),
        "clear_price": change.clear_price,
    }
    m = scope.merchant_id
    with db.write() as conn:

        def act() -> _Changed:
            found = find_listing(conn, m, channel_code, ref)
            values: dict[str, Any] = {}
            if units is not None:
                values["units_per_sale"] = units
            if change.steps is not None:
                values["steps"] = stored_steps(checked_steps(conn, m, change.steps))
            elif change.clear_steps:
                values["steps"] = None
            if rule is not None:
                values["price_rule"] = json.dumps(rule.as_dict())
            elif change.clear_price:
                values["price_rule"] = None
            conn.execute(update(listings).where(listings.c.id == found.id).values(**values))
            offer_service.recompute_listings(conn, m, {found.id: (found.channel_id, found.variant_id)})
            return _Changed(ref)

        run_once(conn, m, key, payload, act, _Changed)
    return list_listings(db, scope, channel_code, ref)[0]
