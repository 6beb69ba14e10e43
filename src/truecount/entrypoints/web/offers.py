"""What each channel is offered, for the stock screen and the variant page."""

from __future__ import annotations

from truecount.adapters.db.engine import Database
from truecount.entrypoints.web.dashboard import VariantRow
from truecount.services.common.scope import Scope
from truecount.services.offers.recompute import offers_for_skus


def attach_offers(db: Database, scope: Scope, rows: list[VariantRow]) -> list[VariantRow]:
    """Each row's offers on every channel (``{channel, quantity, explain}``)."""
    if not rows:
        return rows
    by_sku = offers_for_skus(db, scope, [row.sku for row in rows])
    for row in rows:
        row.offers = by_sku.get(row.sku, [])
    return rows
