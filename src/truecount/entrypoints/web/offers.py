"""What each channel is offered, for the stock screen and the variant page.

The channel-offer work provides the computation; until it is in this build the
screens show no offer column. The hook: ``truecount.services.offers.recompute.offers_for_skus(
db, scope, skus) -> {sku: [{"channel", "quantity", "explain"}]}``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from truecount.adapters.db.engine import Database
from truecount.entrypoints.web.dashboard import VariantRow
from truecount.services.common.scope import Scope


def _provider() -> Callable[..., dict[str, list[dict[str, Any]]]] | None:
    try:
        module = importlib.import_module("truecount.services.offers.recompute")
    except ModuleNotFoundError:
        return None
    found: Callable[..., dict[str, list[dict[str, Any]]]] | None = getattr(module, "offers_for_skus", None)
    return found


def offers_available() -> bool:
    return _provider() is not None


def attach_offers(db: Database, scope: Scope, rows: list[VariantRow]) -> list[VariantRow]:
    provider = _provider()
    if provider is None or not rows:
        return rows
    by_sku = provider(db, scope, [row.sku for row in rows])
    for row in rows:
        row.offers = by_sku.get(row.sku, [])
    return rows
