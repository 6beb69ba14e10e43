"""Offers that change with the date alone: a lot passes its expiry date, a release date arrives.

No movement happens then, so no availability listener runs; :func:`recompute_dated` finds the
variants whose offers the calendar may have changed — stock in a lot whose ``expires_on`` falls in
the last ``lookback_days`` days (up to ``day``), or a ``sellable_from`` in that window — and
recomputes their listings (and every bundle containing them) like a movement would, queueing a push
for each changed figure. It is idempotent (an unchanged offer is neither stored nor pushed), so
the window may overlap runs; the sync worker runs :func:`run_due` every
``OFFER_CLOCK_INTERVAL_S`` seconds.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import date, timedelta

from sqlalchemy import and_, select

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import lots, merchants, variants
from truecount.adapters.db.tables.ledger import lot_levels
from truecount.adapters.db.tables.offers import listings
from truecount.services.offers import recompute as offers

OFFER_CLOCK_INTERVAL_S = 3600.0
LOOKBACK_DAYS = 2

log = logging.getLogger(__name__)


def dated_variants(db: Database, m: int, day: date, lookback_days: int = LOOKBACK_DAYS) -> set[int]:
    """Variants with stock in a lot that expired in the window, or released in it."""
    since = day - timedelta(days=lookback_days)
    ll = lot_levels.c
    with db.read() as conn:
        expiring = conn.execute(
            select(ll.variant_id)
            .distinct()
            .join(
                lots,
                and_(lots.c.merchant_id == ll.merchant_id, lots.c.variant_id == ll.variant_id, lots.c.code == ll.lot),
            )
            .where(ll.merchant_id == m, ll.on_hand > 0, lots.c.expires_on >= since, lots.c.expires_on <= day)
        ).scalars()
        found = {int(v) for v in expiring}
        released = conn.execute(
            select(variants.c.id).where(
                variants.c.merchant_id == m, variants.c.sellable_from >= since, variants.c.sellable_from <= day
            )
        ).scalars()
        found.update(int(v) for v in released)
    return found


def recompute_dated(db: Database, m: int, day: date, lookback_days: int = LOOKBACK_DAYS) -> dict[str, int]:
    """Recompute the listings the calendar may have changed for one merchant (one transaction)."""
    ids = dated_variants(db, m, day, lookback_days)
    if not ids:
        return {"variants": 0, "changed": 0}
    with db.write() as conn:
        changed = offers.recompute_variants(conn, m, ids)
    return {"variants": len(ids), "changed": changed}


@dataclass(slots=True)
class DatedTotals:
    """What :func:`run_due` did: merchants looked at, variants recomputed, listings changed."""

    merchants: int
    variants: int = 0
    changed: int = 0


def run_due(db: Database, day: date, lookback_days: int = LOOKBACK_DAYS) -> DatedTotals:
    """:func:`recompute_dated` for every merchant that has listings."""
    with db.read() as conn:
        ids = [
            int(m)
            for m in conn.execute(
                select(merchants.c.id).where(
                    select(listings.c.id).where(listings.c.merchant_id == merchants.c.id).exists()
                )
            ).scalars()
        ]
    totals = DatedTotals(len(ids))
    for m in ids:
        stats = recompute_dated(db, m, day, lookback_days)
        totals.variants += stats["variants"]
        totals.changed += stats["changed"]
    if totals.changed:
        log.info("offers changed by the date: %s", asdict(totals))
    return totals
