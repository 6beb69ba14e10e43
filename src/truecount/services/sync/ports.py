"""What the sync work needs from the listing and order work, as two small ports.

- :class:`ListingDirectory`: which channel a listing belongs to, its channel reference and SKU; it also
  keeps the channel ids a connector looked up for a listing (``remember``).
  The default reads the ``listings`` table of the channel-offer work (``id, merchant_id,
  channel_id, variant_id, external_ref``) joined to ``variants``.
- :class:`OrderSink`: turns a channel order event into a channel order ingest, cancellation or
  return (the booking work's service), exactly once per idempotency key.

Both are replaceable with :func:`use` (the wiring of a process, or a test).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import Connection, String, bindparam, cast, column, select, table, update

from truecount.adapters.channels.base import ChannelOrder
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import variants
from truecount.services.common.scope import Scope


@dataclass(frozen=True)
class ListingRef:
    listing_id: int
    channel_id: int
    external_ref: str
    sku: str
    detail: Mapping[str, Any] = field(default_factory=dict)  # the structured reference (eBay offer_id…)
    price: str | None = None  # the listing's price by its rule ("19.99"; None: it has none)


@dataclass(frozen=True)
class SoldAs:
    """What one sale of a listing takes: ``units_per_sale`` units of the variant ``sku``."""

    sku: str
    units_per_sale: int


class ListingDirectory(Protocol):
    def refs(self, conn: Connection, merchant_id: int, listing_ids: list[int]) -> dict[int, ListingRef]: ...

    def of_channel(self, conn: Connection, merchant_id: int, channel_id: int) -> list[ListingRef]: ...

    def sold_as(self, conn: Connection, merchant_id: int, channel_id: int, refs: list[str]) -> dict[str, SoldAs]: ...

    def remember(self, conn: Connection, merchant_id: int, learned: Mapping[int, Mapping[str, Any]]) -> None: ...


class OrderSink(Protocol):
    def apply(
        self,
        db: Database,
        scope: Scope,
        channel_code: str,
        order: ChannelOrder,
        key: str,
        also: Callable[[Connection], None] | None = None,
        known_skus: set[str] | None = None,
    ) -> object:
        """Record ``order`` (event ``created``, ``cancelled`` or ``refunded``) once per ``key``. ``also``: a
        write the sink may make in the order's own transaction (it is made only if the order is answered);
        the caller makes it itself if the sink did not. ``known_skus``: which of the order's SKUs name a
        variant, when the caller read that already (else the sink reads it). The answer is the sink's own
        (the sync work does not read it)."""
        ...


_listings = table(
    "listings",
    column("id"),
    column("merchant_id"),
    column("channel_id"),
    column("variant_id"),
    column("external_ref"),
    column("ref_detail"),
    column("units_per_sale"),
)
_offers = table("offers", column("merchant_id"), column("listing_id"), column("price"))


class SqlListingDirectory:
    """Listings as the channel-offer work stores them (statements built once: they run per push)."""

    _SELECT = (
        select(
            _listings.c.id,
            _listings.c.channel_id,
            _listings.c.external_ref,
            variants.c.sku,
            _listings.c.ref_detail,
            cast(_offers.c.price, String),
        )
        .join(variants, variants.c.id == _listings.c.variant_id)
        .outerjoin(
            _offers, (_offers.c.merchant_id == _listings.c.merchant_id) & (_offers.c.listing_id == _listings.c.id)
        )
    )
    _REFS = _SELECT.where(
        _listings.c.merchant_id == bindparam("m"), _listings.c.id.in_(bindparam("ids", expanding=True))
    )
    _OF_CHANNEL = _SELECT.where(
        _listings.c.merchant_id == bindparam("m"), _listings.c.channel_id == bindparam("c")
    ).order_by(_listings.c.id)

    def refs(self, conn: Connection, merchant_id: int, listing_ids: list[int]) -> dict[int, ListingRef]:
        rows = conn.execute(self._REFS, {"m": merchant_id, "ids": listing_ids})
        return {int(r[0]): _ref(r) for r in rows}

    def of_channel(self, conn: Connection, merchant_id: int, channel_id: int) -> list[ListingRef]:
        rows = conn.execute(self._OF_CHANNEL, {"m": merchant_id, "c": channel_id})
        return [_ref(r) for r in rows]

    _SOLD_AS = (
        select(_listings.c.external_ref, variants.c.sku, _listings.c.units_per_sale)
        .join(variants, variants.c.id == _listings.c.variant_id)
        .where(
            _listings.c.merchant_id == bindparam("m"),
            _listings.c.channel_id == bindparam("c"),
            _listings.c.external_ref.in_(bindparam("refs", expanding=True)),
        )
    )

    def sold_as(self, conn: Connection, merchant_id: int, channel_id: int, refs: list[str]) -> dict[str, SoldAs]:
        """The variant and units per sale of each of these channel references that is a listing here."""
        if not refs:
            return {}
        rows = conn.execute(self._SOLD_AS, {"m": merchant_id, "c": channel_id, "refs": sorted(set(refs))})
        return {str(ref): SoldAs(str(sku), int(units or 1)) for ref, sku, units in rows}

    _DETAILS = select(_listings.c.id, _listings.c.ref_detail).where(
        _listings.c.merchant_id == bindparam("m"), _listings.c.id.in_(bindparam("ids", expanding=True))
    )
    _SET_DETAIL = (
        update(_listings)
        .where(_listings.c.merchant_id == bindparam("m"), _listings.c.id == bindparam("lid"))
        .values(ref_detail=bindparam("detail"))
    )

    def remember(self, conn: Connection, merchant_id: int, learned: Mapping[int, Mapping[str, Any]]) -> None:
        """Add the ids a connector looked up to each listing's structured reference (the text reference, which
        orders and pushes address, stays as it is)."""
        rows = conn.execute(self._DETAILS, {"m": merchant_id, "ids": sorted(learned)}).all()
        changes = []
        for lid, stored in rows:
            detail = json.loads(stored) if stored else {}
            merged = {**(detail if isinstance(detail, dict) else {}), **learned[int(lid)]}
            changes.append({"m": merchant_id, "lid": int(lid), "detail": json.dumps(merged, sort_keys=True)})
        if changes:
            conn.execute(self._SET_DETAIL, changes)


def _ref(row: Any) -> ListingRef:
    detail = json.loads(row[4]) if row[4] else {}
    price = None if row[5] is None else f"{Decimal(str(row[5])).quantize(Decimal('0.01')):f}"
    return ListingRef(
        int(row[0]), int(row[1]), str(row[2]), str(row[3]), detail if isinstance(detail, dict) else {}, price
    )


_ports: dict[str, Any] = {"directory": SqlListingDirectory()}  # the sink: wired by bootstrap


def use(*, directory: ListingDirectory | None = None, sink: OrderSink | None = None) -> None:
    """Replace the listing directory and/or the order sink for this process."""
    if directory is not None:
        _ports["directory"] = directory
    if sink is not None:
        _ports["sink"] = sink


def directory() -> ListingDirectory:
    found: ListingDirectory = _ports["directory"]
    return found


def sink() -> OrderSink:
    found: OrderSink | None = _ports.get("sink")
    if found is None:
        raise RuntimeError("no order sink wired: call truecount.services.bootstrap.wire()")
    return found
