"""Channel facts kept across transactions (PostgreSQL), checked in the same read as the stock.

A batch needs its channels' facts (:class:`booking.ChannelFacts`: the channel, the ranks of its
saleable locations, location and type codes) before it reads the stock, and reading them costs
two statements. They change rarely (someone edits a channel, a location or an inventory type), so
each process keeps them, with a **digest**: the md5 of every row they are read from — the
channels, their types and locations, and the merchant's locations and inventory types, whole rows.
The stock read of every batch carries the digest of that moment as one more column
(:data:`DIGEST`), computed by the server in the same statement, so the facts a batch plans with are
checked against the very snapshot its stock comes from: any change in between, made by any
process, gives another digest, and the batch reads the facts again and reads the stock again.

The digest of a new entry is read *before* its facts: a change landing between the two leaves an
entry whose facts are newer than its digest, which the next read finds different (one reload too
many), never the other way round. Left: a change undone (the same rows again) between the
digest and the facts would go unseen; both are edits within milliseconds of each other.
SQLite (in-process, no round trips to save) reads the facts in every transaction.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, String, bindparam, column, select, text
from sqlalchemy.dialects.postgresql import ARRAY

from truecount.services.orders.booking import ChannelFacts

SIZE = 256  # entries per database (merchant × set of channel codes): the oldest is dropped

_PARTS = """
SELECT md5(concat_ws('|',
    coalesce((SELECT string_agg(c::text, ',' ORDER BY c.id) FROM channels c
              WHERE c.merchant_id = :m AND c.code = ANY(:codes)), ''),
    coalesce((SELECT string_agg(x::text, ',' ORDER BY x.channel_id, x.inventory_type_id)
              FROM channel_inventory_types x JOIN channels c ON c.id = x.channel_id
              WHERE c.merchant_id = :m AND c.code = ANY(:codes)), ''),
    coalesce((SELECT string_agg(x::text, ',' ORDER BY x.channel_id, x.location_id)
              FROM channel_locations x JOIN channels c ON c.id = x.channel_id
              WHERE c.merchant_id = :m AND c.code = ANY(:codes)), ''),
    coalesce((SELECT string_agg(t::text, ',' ORDER BY t.id) FROM inventory_types t WHERE t.merchant_id = :m), ''),
    coalesce((SELECT string_agg(l::text, ',' ORDER BY l.id) FROM locations l WHERE l.merchant_id = :m), '')
)) AS digest
"""
# Each part keeps its place when empty (coalesce): concat_ws skips NULLs, and a channel with types
# but no locations would otherwise digest like one with those rows as locations (found in review).
_QUERY = text(_PARTS).bindparams(bindparam("codes", type_=ARRAY(String))).columns(column("digest", String))
DIGEST = select(_QUERY.subquery("facts_digest").c.digest).scalar_subquery()
"""The digest as a column expression (parameters ``m`` and ``codes``), for the stock read to select."""
DIGEST_SQL = f"({_PARTS.replace(':codes', '%(codes)b::varchar[]').replace(':m', '%(m)b').strip()})"
"""The digest as driver-level SQL (psycopg's binary placeholders ``m`` and ``codes``, a packed text
array), for :mod:`batch_statement`'s check of facts kept from earlier."""


@dataclass(frozen=True)
class _Entry:
    digest: str
    facts: dict[str, ChannelFacts]


Key = tuple[int, tuple[str, ...]]
_entries: weakref.WeakKeyDictionary[Engine, dict[Key, _Entry]] = weakref.WeakKeyDictionary()
_mutex = threading.Lock()


def cached(conn: Connection, m: int, codes: tuple[str, ...]) -> tuple[str, dict[str, ChannelFacts]] | None:
    """The kept facts of ``codes`` and the digest they were read under, if this process has them."""
    with _mutex:
        entry = _entries.get(conn.engine, {}).get((m, codes))
    return None if entry is None else (entry.digest, entry.facts)


def read(
    conn: Connection, m: int, codes: tuple[str, ...], load: Callable[[str], ChannelFacts]
) -> tuple[str, dict[str, ChannelFacts]]:
    """The digest now, then the facts (in that order: see the module)."""
    digest = str(conn.execute(_QUERY, {"m": m, "codes": list(codes)}).scalar_one())
    return digest, {code: load(code) for code in codes}


def keep(conn: Connection, m: int, codes: tuple[str, ...], digest: str, facts: dict[str, ChannelFacts]) -> None:
    """Keep facts a stock read has just confirmed (its digest was ``digest``)."""
    with _mutex:
        per_db = _entries.setdefault(conn.engine, {})
        per_db.pop((m, codes), None)
        per_db[(m, codes)] = _Entry(digest, facts)
        while len(per_db) > SIZE:
            del per_db[next(iter(per_db))]
