"""The seam where a change to a variant's availability fans out (backorders, channel offers, alerts).

The write path calls :func:`changed` inside its own transaction, once per act, with
every variant whose levels moved. Listeners registered here run in that transaction,
so what they write commits or rolls back with the movement.

Every process wires the same listeners, in one place: :func:`truecount.services.bootstrap.wire`
(called by ``open_database`` and ``init_database``, so every entrypoint has them) hands them to
:func:`wire` in their order — waiting backorders take arriving stock first, then channel offers are
recomputed, then health alerts are evaluated. A change announced before any wiring is refused
(:class:`NotWired`), so no process can move stock and silently leave offers and alerts behind.

A listener that starts by reading what watches the variants (the listings that show them, the
trackers that watch them: never their levels, which the listeners before it may move) subscribes
as a :class:`Reading`. The seam sends the reads of all such listeners in one round trip
(:func:`adapters.db.together.fetch_together`) before the first listener runs, and a write path
that knows the variants before it writes can send them with its own statement (:func:`prefetch`,
then ``changed(..., fetched=…)``): on PostgreSQL one round trip less per listener.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection

from truecount.adapters.db.together import Rows, Statement, fetch_together

Listener = Callable[[Connection, int, set[int]], None]


@dataclass(frozen=True)
class Reading:
    """A listener that starts with reads of what watches the variants (never their levels)."""

    reads: Callable[[int, list[int]], list[Statement]]  # (merchant, variant ids, sorted) → its reads
    act: Callable[[Connection, int, set[int], Rows], None]  # then: the rows of all its reads


@dataclass(frozen=True)
class OnArrival:
    """A listener with nothing to do when stock was only taken (booked): :func:`changed` with
    ``taken=True`` skips it (waiting backorders cannot be served by stock that was just booked)."""

    act: Listener


Wired = Listener | Reading | OnArrival


@dataclass(frozen=True)
class Prefetch:
    """The reads every :class:`Reading` listener starts with, for one change (:func:`prefetch`)."""

    merchant_id: int
    variant_ids: frozenset[int]
    statements: list[Statement]
    readers: tuple[tuple[Reading, int], ...]  # each Reading listener, in order, and how many statements are its


_listeners: tuple[Wired, ...] | None = None  # None until wired
_BATCH = "truecount_availability_batch"  # key in Connection.info while a batch is open


class NotWired(RuntimeError):
    """A change was announced in a process whose listeners were never wired."""


def wire(listeners: Sequence[Wired]) -> None:
    """Run ``listeners``, in this order, after every availability change (replaces any earlier wiring).

    A plain :data:`Listener` is called ``listener(conn, merchant_id, variant_ids)``; a :class:`Reading`
    has its reads sent first, then ``act(conn, merchant_id, variant_ids, rows)``."""
    global _listeners
    _listeners = tuple(listeners)


def listeners() -> tuple[Wired, ...]:
    """The listeners wired now, in order."""
    if _listeners is None:
        raise NotWired(
            "stock moved before the availability listeners were wired: call truecount.services.bootstrap.wire()"
        )
    return _listeners


@contextmanager
def also(listener: Wired) -> Iterator[None]:
    """Run ``listener`` after the wired ones while the block runs (tests and benchmarks)."""
    global _listeners
    before = listeners()
    _listeners = (*before, listener)
    try:
        yield
    finally:
        _listeners = before


@contextmanager
def without(drop: Callable[[Wired], bool]) -> Iterator[None]:
    """Leave out the wired listeners ``drop`` picks while the block runs (benchmarks' baselines)."""
    global _listeners
    before = listeners()
    _listeners = tuple(listener for listener in before if not drop(listener))
    try:
        yield
    finally:
        _listeners = before


def prefetch(merchant_id: int, variant_ids: set[int]) -> Prefetch:
    """The reads the listeners will start with when ``variant_ids`` move, for a caller to send with
    its own statement (:func:`fetch_together`) and hand over to :func:`changed` with their rows."""
    wired = listeners()
    if not variant_ids:  # nothing moved: changed() announces nothing
        return Prefetch(merchant_id, frozenset(), [], ())
    ordered = sorted(variant_ids)
    statements: list[Statement] = []
    readers: list[tuple[Reading, int]] = []
    for listener in wired:
        if isinstance(listener, Reading):
            reads = listener.reads(merchant_id, ordered)
            statements += reads
            readers.append((listener, len(reads)))
    return Prefetch(merchant_id, frozenset(variant_ids), statements, tuple(readers))


def changed(
    conn: Connection,
    merchant_id: int,
    variant_ids: set[int],
    *,
    fetched: tuple[Prefetch, list[Rows]] | None = None,
    taken: bool = False,
) -> None:
    """Announce that the levels of ``variant_ids`` moved (inside the mover's transaction).

    ``fetched``: :func:`prefetch` of this very change with the rows of its statements, read by the
    caller; otherwise the seam reads them, all in one round trip, before the first listener runs.
    ``taken``: the change only took stock (bookings): :class:`OnArrival` listeners are not run."""
    if not variant_ids:
        return
    batch: tuple[int, set[int]] | None = conn.info.get(_BATCH)
    if batch is not None and batch[0] == merchant_id:
        batch[1].update(variant_ids)
        return
    wired = listeners()
    readers = tuple(listener for listener in wired if isinstance(listener, Reading))
    if fetched is not None and _fits(fetched[0], merchant_id, variant_ids, readers):
        pre, rows = fetched
    else:
        pre = prefetch(merchant_id, variant_ids)
        rows = fetch_together(conn, pre.statements)
    given = iter(rows)
    mine = {id(reader): [row for _ in range(count) for row in next(given)] for reader, count in pre.readers}
    for listener in wired:
        if isinstance(listener, Reading):
            listener.act(conn, merchant_id, variant_ids, mine[id(listener)])
        elif isinstance(listener, OnArrival):
            if not taken:
                listener.act(conn, merchant_id, variant_ids)
        else:
            listener(conn, merchant_id, variant_ids)


def _fits(pre: Prefetch, merchant_id: int, variant_ids: set[int], readers: tuple[Reading, ...]) -> bool:
    """Whether ``pre`` was made for this change, with the listeners subscribed now."""
    return (
        pre.merchant_id == merchant_id
        and pre.variant_ids == frozenset(variant_ids)
        and readers == tuple(reader for reader, _ in pre.readers)
    )


@contextmanager
def batched(conn: Connection, merchant_id: int) -> Iterator[None]:
    """One act made of many movements (a stock import, a day of the demo): announce once, at the end.

    Inside the block :func:`changed` only collects the variant ids; when the block ends without
    an error the listeners run once with all of them, still in the caller's transaction. Use it
    only where no movement of the block depends on what a listener does in between (receives
    and counts of an import do not). A nested batch joins the outer one.
    """
    if _BATCH in conn.info:
        yield
        return
    pending: set[int] = set()
    conn.info[_BATCH] = (merchant_id, pending)
    try:
        yield
    finally:
        del conn.info[_BATCH]
    changed(conn, merchant_id, pending)
