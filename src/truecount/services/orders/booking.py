"""Book stock for order lines: sources per channel, the guarded booking statement, bundles.

A booking is a ``book`` movement (``booked +q``) written through :func:`ledger.apply_line`
with ``Guard.AVAILABLE`` — the one guarded ``UPDATE … WHERE on_hand - booked >= q`` — plus a
``bookings`` row remembering which line holds it. Takes are applied in one global order
(variant, location, type) so concurrent multi-line orders lock rows in the same order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, union

from truecount.adapters.db.any_of import any_of
from truecount.adapters.db.tables.catalog import bundle_components, variants
from truecount.adapters.db.tables.ledger import stock_levels
from truecount.adapters.db.tables.orders import bookings
from truecount.domain.allocation import Source, Take, plan
from truecount.domain.errors import InsufficientStock
from truecount.domain.model import LedgerLine, MovementKind
from truecount.services.channels.setup import Channel, Site, load_channel_sites
from truecount.services.stock.ledger import Guard, LineMeta, apply_line


@dataclass(frozen=True)
class Unit:
    """What one order line needs of one variant: ``per_line`` units of it for each unit ordered."""

    line_id: int
    variant_id: int
    per_line: int


@dataclass
class Need:
    unit: Unit
    quantity: int  # in units of ``unit.variant_id``


@dataclass(frozen=True)
class ChannelFacts:
    """A channel as booking needs it, read once per transaction: the ranks of its saleable locations
    (bins included) and, for the answers, every location and the codes of its inventory types."""

    channel: Channel
    ranks: dict[int, int]
    sites: dict[int, Site]
    type_codes: dict[int, str]


def channel_facts(conn: Connection, m: int, code: str) -> ChannelFacts:
    """The :class:`ChannelFacts` of channel ``code``, in two statements."""
    channel, sites, type_codes = load_channel_sites(conn, m, code)
    parent = {site.id: site.parent_id for site in sites}
    saleable = {site.id: site.saleable for site in sites}
    return ChannelFacts(channel, _ranks(channel, parent, saleable), {s.id: s for s in sites}, type_codes)


def _ranks(channel: Channel, parent: dict[int, int | None], saleable: dict[int, bool]) -> dict[int, int]:
    ranks: dict[int, int] = {}
    for rank, root in enumerate(channel.location_ids):
        for loc in parent:
            node: int | None = loc
            while node is not None and node != root:
                node = parent.get(node)
            if node == root and saleable[loc] and saleable[root] and loc not in ranks:
                ranks[loc] = rank
    return ranks


def sources(conn: Connection, m: int, channel: Channel, ranks: dict[int, int], variant_id: int) -> list[Source]:
    c = stock_levels.c
    rows = conn.execute(
        select(c.location_id, c.inventory_type_id, c.on_hand - c.booked).where(
            c.merchant_id == m,
            c.variant_id == variant_id,
            c.location_id.in_(list(ranks)),
            c.inventory_type_id.in_(channel.inventory_type_ids),
            c.on_hand > c.booked,
        )
    ).all()
    return [Source(int(r[0]), int(r[1]), int(r[2]), ranks[int(r[0])]) for r in rows]


def units_for(
    conn: Connection,
    m: int,
    channel: Channel,
    ranks: dict[int, int],
    line_id: int,
    variant_id: int,
    quantity: int,
    *,
    is_bundle: bool | None = None,
) -> list[Unit]:
    """A plain line needs its variant; a bundle needs its components, unless assembled stock covers it.

    ``is_bundle`` saves the lookup when the caller already read it.
    """
    if is_bundle is None:
        is_bundle = bool(conn.execute(select(variants.c.is_bundle).where(variants.c.id == variant_id)).scalar())
    if not is_bundle:
        return [Unit(line_id, variant_id, 1)]
    assembled = sum(s.available for s in sources(conn, m, channel, ranks, variant_id))
    if assembled >= quantity:
        return [Unit(line_id, variant_id, 1)]
    parts = conn.execute(
        select(bundle_components.c.component_id, bundle_components.c.quantity)
        .where(bundle_components.c.merchant_id == m, bundle_components.c.bundle_id == variant_id)
        .order_by(bundle_components.c.component_id)
    ).all()
    return [Unit(line_id, int(component), int(per)) for component, per in parts]


def book(
    conn: Connection, m: int, channel: Channel, ranks: dict[int, int], needs: list[Need], meta: LineMeta, now: object
) -> dict[Unit, int]:
    """Book every need as far as stock goes. Returns the shortfall per unit (0 where fully booked)."""
    planned: list[tuple[Unit, Take]] = []
    short: dict[Unit, int] = {}
    taken: dict[tuple[int, int, int], int] = {}  # what earlier needs of this order planned to take
    for need in needs:
        vid = need.unit.variant_id
        left = [
            Source(
                s.location_id,
                s.inventory_type_id,
                s.available - taken.get((vid, s.location_id, s.inventory_type_id), 0),
                s.rank,
            )
            for s in sources(conn, m, channel, ranks, vid)
        ]
        takes, missing = plan(need.quantity, left, channel.allocation)
        for take in takes:
            key = (vid, take.location_id, take.inventory_type_id)
            taken[key] = taken.get(key, 0) + take.quantity
        planned.extend((need.unit, take) for take in takes)
        short[need.unit] = short.get(need.unit, 0) + missing
    planned.sort(key=lambda item: (item[0].variant_id, item[1].location_id, item[1].inventory_type_id))
    raced: list[Need] = []
    for unit, take in planned:
        if not _take(conn, m, unit, take, meta, now):
            raced.append(Need(unit, take.quantity))
    for need in raced:  # someone booked first (PostgreSQL): plan again on what is left now
        takes, missing = plan(need.quantity, sources(conn, m, channel, ranks, need.unit.variant_id), channel.allocation)
        for take in takes:
            if not _take(conn, m, need.unit, take, meta, now):
                missing += take.quantity
        short[need.unit] = short.get(need.unit, 0) + missing
    return short


def _take(conn: Connection, m: int, unit: Unit, take: Take, meta: LineMeta, now: object) -> bool:
    line = LedgerLine(
        MovementKind.BOOK, unit.variant_id, take.location_id, take.inventory_type_id, "", 0, take.quantity
    )
    try:  # a miss writes nothing: the guarded update matched no row and apply_line raised before the insert
        apply_line(conn, line, LineMeta(**{**meta.__dict__, "order_line_id": unit.line_id}), Guard.AVAILABLE)
    except InsufficientStock:
        return False
    conn.execute(
        insert(bookings).values(
            merchant_id=m,
            order_line_id=unit.line_id,
            variant_id=unit.variant_id,
            location_id=take.location_id,
            inventory_type_id=take.inventory_type_id,
            quantity=take.quantity,
            shipped=0,
            released=0,
            created_at=now,
        )
    )
    return True


def short_lines_refusal(details: list[dict[str, Any]]) -> InsufficientStock:
    """A strict order refused: each short line ``{line, sku, requested, available, missing}`` named."""
    names = ", ".join(f"{d['sku']} (missing {d['missing']})" for d in details)
    return InsufficientStock(f"not enough stock for {names}: nothing was booked", field="lines", details=details)


def variant_ids(units: Iterable[Unit]) -> set[int]:
    return {unit.variant_id for unit in units}


_v, _bc, _sl = variants.c, bundle_components.c, stock_levels.c
_ORDERED = union(
    select(_v.id).where(_v.merchant_id == bindparam("m"), any_of(_v.sku, "skus")),
    select(_bc.component_id)
    .join(variants, _v.id == _bc.bundle_id)
    .where(_v.merchant_id == bindparam("m"), any_of(_v.sku, "skus")),
)
_LOCK_LEVELS = (
    select(_sl.variant_id)
    .where(_sl.merchant_id == bindparam("m"), _sl.variant_id.in_(_ORDERED.scalar_subquery()))
    .order_by(_sl.variant_id, _sl.location_id, _sl.inventory_type_id)
    .with_for_update()
)


def lock_levels(conn: Connection, m: int, skus: set[str]) -> None:
    """Lock every level these SKUs (and the components of those that are bundles) can book from, in the
    global lock order, before several orders are booked one after the other in one transaction: each
    order locks its own levels in that order, but the orders of a batch come in any order, and two
    batches doing so at once would deadlock. (SQLite has one writer at a time: nothing to lock.)

    Call it through :func:`batch_booking.lock_for_one_by_one`, which first waits for any transaction
    recording one of the batch's orders."""
    if skus and conn.dialect.name == "postgresql":
        conn.execute(_LOCK_LEVELS, {"m": m, "skus": sorted(skus)}).all()
