"""A batch's reads: its channels' facts (kept by this process, or read) and its stock, in one statement.

:func:`read_batch` gives :mod:`batch_booking` what it plans on: each SKU's variant (and whether it
is tracked), and the available stock of every variant at the saleable locations of the batch's
channels, read in one statement (per 500 SKUs). On PostgreSQL that statement also selects the
digest of the channels' facts (:mod:`facts_cache`), so facts kept from an earlier transaction are
used only when the snapshot the stock comes from confirms them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from sqlalchemy import Connection, bindparam, select

from truecount.adapters.db.any_of import any_of
from truecount.adapters.db.tables.catalog import variants
from truecount.adapters.db.tables.ledger import stock_levels
from truecount.adapters.db.together import fetch_together
from truecount.services.orders import facts_cache
from truecount.services.orders.booking import ChannelFacts

ChannelCache = dict[str, ChannelFacts]
CHUNK = 500  # values per statement where a list is sent as one placeholder per value (SQLite)


class Fallback(Exception):
    """This batch cannot be booked set-based; book it order by order (the caller's savepoint rolls back)."""


def chunked(items: Iterable[Any], postgres: bool = False) -> Iterator[list[Any]]:
    """The distinct items, sorted, in parts small enough for one statement. On PostgreSQL a list is
    one array parameter (:func:`any_of`): one part, so each table is scanned once for the batch."""
    ordered = sorted(set(items))
    size = max(len(ordered), 1) if postgres else CHUNK
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


_v, _s = variants.c, stock_levels.c
_STOCK = (
    select(_v.sku, _v.id, _v.tracked, _v.is_bundle, _s.location_id, _s.inventory_type_id, _s.on_hand - _s.booked)
    .outerjoin(
        stock_levels,
        (_s.merchant_id == _v.merchant_id)
        & (_s.variant_id == _v.id)
        & any_of(_s.location_id, "locs")
        & any_of(_s.inventory_type_id, "types")
        & (_s.on_hand > _s.booked),
    )
    .where(_v.merchant_id == bindparam("m"), any_of(_v.sku, "skus"))
)


_STOCK_AND_DIGEST = _STOCK.add_columns(facts_cache.DIGEST)
Stock = tuple[dict[str, tuple[int, bool]], dict[int, dict[tuple[int, int], int]]]


def read_batch(
    conn: Connection,
    m: int,
    skus: set[str],
    codes: tuple[str, ...],
    channels: ChannelCache,
    load: Callable[[str], ChannelFacts],
) -> Stock:
    """The batch's channel facts (into ``channels``) and its stock. On PostgreSQL the facts this
    process kept are used when the stock read's digest confirms them (:mod:`facts_cache`); when it
    does not, they are read again, and the stock with them."""
    if conn.dialect.name != "postgresql":
        for code in codes:
            if code not in channels:
                channels[code] = load(code)
        found, available, _ = _stock(conn, m, skus, [channels[c] for c in codes], codes)
        return found, available
    kept = facts_cache.cached(conn, m, codes)
    for _ in range(3):
        digest, known = kept if kept is not None else facts_cache.read(conn, m, codes, load)
        found, available, seen = _stock(conn, m, skus, list(known.values()), codes)
        if seen == {digest}:
            facts_cache.keep(conn, m, codes, digest, known)
            channels.update(known)
            return found, available
        kept = None
    raise Fallback("the channels changed under every read of them")


def _stock(
    conn: Connection, m: int, skus: set[str], facts: list[ChannelFacts], codes: tuple[str, ...]
) -> tuple[dict[str, tuple[int, bool]], dict[int, dict[tuple[int, int], int]], set[str]]:
    """SKU → (variant id, tracked), and variant → {(location, type): available} at every saleable
    location of the batch's channels, in one read; on PostgreSQL also the digest of the channels'
    facts at that moment. An unknown SKU or a bundle sends the batch down the one-order path."""
    found: dict[str, tuple[int, bool]] = {}
    available: dict[int, dict[tuple[int, int], int]] = {}
    digests: set[str] = set()
    locs = sorted({loc for f in facts for loc in f.ranks})
    types = sorted({t for f in facts for t in f.channel.inventory_type_ids})
    postgres = conn.dialect.name == "postgresql"
    stmt = _STOCK_AND_DIGEST if postgres else _STOCK
    params: dict[str, Any] = {"m": m, "locs": locs, "types": types, **({"codes": list(codes)} if postgres else {})}
    for part in chunked(skus, postgres):
        params["skus"] = part
        # On PostgreSQL through fetch_together: its rows as psycopg gives them, the lists packed,
        # and psycopg's BEGIN in the same round trip when this read opens the transaction.
        for row in fetch_together(conn, [(stmt, params)])[0] if postgres else conn.execute(stmt, params):
            sku, vid, tracked, is_bundle, loc, itype, free = row[:7]
            if postgres:
                digests.add(str(row[7]))
            if is_bundle:
                raise Fallback("a bundle: its components are chosen order by order")
            found[str(sku)] = (int(vid), bool(tracked))
            at = available.setdefault(int(vid), {})
            if loc is not None and tracked:
                at[(int(loc), int(itype))] = int(free)
    if len(found) != len(skus):
        raise Fallback("an unknown SKU: the one-order path names it")
    return found, available, digests
