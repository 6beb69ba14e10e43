"""Channel facts kept across transactions (PostgreSQL), checked in the same read as the stock.

A batch needs its channels' facts (:class:`booking.ChannelFacts`: the channel, the ranks of its
saleable locations, location and type codes) before it reads the stock, and reading them costs
two statements. They change rarely (someone edits a channel, a location or an inventory type), so
each process keeps them, with a **digest**: the md5 of every row they are read from — the
channels, their types and locations, and the merchant's locations and inventory types, whole rows.
The stock read of every batch carries the digest of that moment as one more column
(:data:`adapters.db.booking.postgres.DIGEST_SQL`), computed by the server in the same statement,
so the facts a batch plans with are checked against the very snapshot its stock comes from: any
change in between, made by any process, gives another digest, and
the batch reads the facts again and reads the stock again.

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

from sqlalchemy import Connection, Engine

from truecount.adapters.db.booking.postgres import DIGEST_SQL
from truecount.adapters.db.packed import texts
from truecount.services.orders.booking import ChannelFacts

SIZE = 256  # entries per database (merchant × set of channel codes): the oldest is dropped
_DIGEST = f"SELECT {DIGEST_SQL}"


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
    conn: Connection, m: int, codes: tuple[str, ...], load: Callable[[str], ChannelFacts | None]
) -> tuple[str, dict[str, ChannelFacts]]:
    """The digest now, then the facts (in that order: see the module); a code that names no channel
    is left out."""
    digest = str(conn.exec_driver_sql(_DIGEST, {"m": m, "codes": texts(list(codes))}).scalar_one())
    found = {code: load(code) for code in codes}
    return digest, {code: facts for code, facts in found.items() if facts is not None}


def keep(conn: Connection, m: int, codes: tuple[str, ...], digest: str, facts: dict[str, ChannelFacts]) -> None:
    """Keep facts a stock read has just confirmed (its digest was ``digest``)."""
    with _mutex:
        per_db = _entries.setdefault(conn.engine, {})
        per_db.pop((m, codes), None)
        per_db[(m, codes)] = _Entry(digest, facts)
        while len(per_db) > SIZE:
            del per_db[next(iter(per_db))]
