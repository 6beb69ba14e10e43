"""Group commit for concurrent orders: callers that arrive while a transaction is in flight share the next.

A caller queues its order, then competes to lead. The leader takes every order waiting (up to
:data:`LIMIT`) and books them in ONE transaction (:func:`engine.book`, the one booking engine;
idempotency keys are claimed and stored in that transaction), then
hands each follower its own answer after the commit. A follower whose order a leader took just
waits for it. With one caller at a time this is one order per transaction, as before; under load
the commit (the fsync) and the fixed statements are shared.

Callers that wait for their answers come back together: the moment a shared transaction ends,
the first of them to return would lead a group of one while the rest queue behind it. So a
leader first gathers: it waits, at most :data:`GATHER_S`, until as many orders are waiting as
the last group held plus those that arrived while it was booked (:func:`wanted`; as PostgreSQL's
``commit_delay`` does for commits). A lone caller does not wait (its last group held one, none
came meanwhile), except the first one after a burst, once, for at most GATHER_S.

Guarantees stay per order: a strict refusal refuses only that order; if the shared transaction
fails as a whole (an unknown SKU in one order, say), each order of the group is placed again on
its own, so every caller gets exactly the answer or the error it would have got alone.
Groups are per (database, merchant, actor) in one process.

Callers on an event loop (the API) use :func:`submit_async`: they wait on the loop, not each in a
thread of its own, and each shared transaction runs in one worker thread; the groups, their limit,
the gathering and the answers are the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from truecount.adapters.db.engine import Database
from truecount.domain.errors import TruecountError
from truecount.services.common.scope import Scope

LIMIT = 256  # orders per shared transaction
LEADERS = 1  # shared transactions in flight at once (measured: 2 or 3 were slower on 2 cores)
GATHER_S = 0.002  # how long a leader waits for the last group's callers to come back

A = TypeVar("A")  # what one caller is answered (for orders: the order)
Item = Any  # what one caller asks (for orders: the order and its idempotency key)


@dataclass
class _Ticket(Generic[A]):
    item: Item
    finished: bool = False
    answer: A | None = None
    error: BaseException | None = None


@dataclass
class _Group:
    lock: threading.Lock = field(default_factory=threading.Lock)  # guards the fields below
    changed: threading.Condition = field(init=False)  # a transaction ended: answers are in, a leader may start
    arrived: threading.Condition = field(init=False)  # an order was queued (for a gathering leader)
    leading: int = 0  # shared transactions in flight (at most LEADERS)
    pending: list[_Ticket[Any]] = field(default_factory=list)
    last: int = 1  # orders in the last shared transaction
    came: int = 0  # orders that arrived while it was booked

    def __post_init__(self) -> None:
        self.changed = threading.Condition(self.lock)
        self.arrived = threading.Condition(self.lock)

    def gather(self) -> None:
        """Wait (lock held) until as many orders wait as the last group held plus those that arrived
        while it was booked (:func:`wanted`), or GATHER_S passed."""
        deadline = time.monotonic() + GATHER_S
        while len(self.pending) < wanted(self.last, self.came):
            left = deadline - time.monotonic()
            if left <= 0 or not self.arrived.wait(left):
                return


def wanted(last: int, came: int) -> int:
    """How many waiting orders a leader gathers before booking: the callers of the last shared transaction
    (``last``) and those that arrived while it was booked (``came``), at most :data:`LIMIT`.

    Counting only ``last`` lets the callers split in two halves: those answered at the end of a
    transaction come back (over HTTP, a round trip later) after the next one has started with the
    orders that arrived meanwhile, so each half books in every other transaction, and every order
    pays for a transaction's fixed statements and commit twice as often as one group would."""
    return min(last + came, LIMIT)


_groups: weakref.WeakKeyDictionary[Database, dict[tuple[int, str], _Group]] = weakref.WeakKeyDictionary()
_groups_mutex = threading.Lock()


def _group(db: Database, scope: Scope) -> _Group:
    key = (scope.merchant_id, scope.actor)
    with _groups_mutex:
        per_db = _groups.setdefault(db, {})
        group = per_db.get(key)
        if group is None:
            group = per_db[key] = _Group()
        return group


def submit(
    db: Database,
    scope: Scope,
    item: Item,
    run_group: Callable[[list[Item]], list[A | TruecountError]],
    run_one: Callable[[Item], A],
) -> A:
    """Put ``item`` in the next shared transaction of (``db``, ``scope``); return its answer or raise its
    refusal. ``run_group`` answers a group's items (an answer or a refusal each, in order) in one
    transaction; ``run_one`` answers one item alone."""
    group = _group(db, scope)
    ticket: _Ticket[A] = _Ticket(item)
    with group.changed:
        group.pending.append(ticket)
        group.arrived.notify()
        while not ticket.finished:
            if group.leading >= LEADERS or ticket not in group.pending:
                group.changed.wait()  # ours is in a transaction in flight, or waits for the next one
                continue
            group.leading += 1
            group.gather()
            batch, group.pending = group.pending[:LIMIT], group.pending[LIMIT:]
            group.last = len(batch)
            group.changed.release()  # book outside the lock: newcomers queue for the next transaction
            try:
                _lead(batch, run_group, run_one)
            finally:
                group.changed.acquire()
                group.came = len(group.pending)
                group.leading -= 1
                group.changed.notify_all()  # the finished return; one of the rest leads next
    if ticket.error is not None:
        raise ticket.error
    assert ticket.answer is not None
    return ticket.answer


def _lead(
    batch: list[_Ticket[A]], run_group: Callable[[list[Item]], list[A | TruecountError]], run_one: Callable[[Item], A]
) -> None:
    try:
        try:
            answers = run_group([t.item for t in batch])
        except Exception as error:
            if len(batch) == 1:
                batch[0].error = error
                return
            for ticket in batch:  # one order spoiled the group: each on its own, as if alone
                try:
                    ticket.answer = run_one(ticket.item)
                except Exception as alone:
                    ticket.error = alone
            return
        for ticket, answer in zip(batch, answers, strict=True):
            if isinstance(answer, TruecountError):
                ticket.error = answer
            else:
                ticket.answer = answer
    except BaseException as error:  # never leave a follower waiting
        for ticket in batch:
            if ticket.answer is None and ticket.error is None:
                ticket.error = error
        raise
    finally:
        for ticket in batch:
            ticket.finished = True


@dataclass
class _LoopGroup:
    """The callers of one (database, merchant, actor) on one event loop (used from that loop only)."""

    pending: list[tuple[_Ticket[Any], asyncio.Future[Any]]] = field(default_factory=list)
    draining: asyncio.Task[None] | None = None  # the task booking the groups, while orders wait
    enough: asyncio.Future[None] | None = None  # resolved once ``wanted`` orders wait (a gathering)
    wanted: int = 0
    last: int = 1  # orders in the last shared transaction
    came: int = 0  # orders that arrived while it was booked


_loop_groups: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[Database, int, str], _LoopGroup]] = (
    weakref.WeakKeyDictionary()
)


async def submit_async(
    db: Database,
    scope: Scope,
    item: Item,
    run_group: Callable[[list[Item]], list[A | TruecountError]],
    run_one: Callable[[Item], A],
) -> A:
    """:func:`submit` for a caller on an event loop: ``item`` joins the loop's next shared transaction
    of (``db``, ``scope``), run in a worker thread; the caller waits on the loop for its answer."""
    loop = asyncio.get_running_loop()
    per_loop = _loop_groups.setdefault(loop, {})
    group = per_loop.get((db, scope.merchant_id, scope.actor))
    if group is None:
        group = per_loop[(db, scope.merchant_id, scope.actor)] = _LoopGroup()
    answer: asyncio.Future[A] = loop.create_future()
    group.pending.append((_Ticket(item), answer))
    if group.enough is not None and not group.enough.done() and len(group.pending) >= group.wanted:
        group.enough.set_result(None)
    if group.draining is None:
        group.draining = loop.create_task(_drain(group, run_group, run_one))
    return await answer


async def _drain(
    group: _LoopGroup, run_group: Callable[[list[Item]], list[A | TruecountError]], run_one: Callable[[Item], A]
) -> None:
    """Book the waiting orders a group at a time (gathered as :func:`submit`'s leader gathers) until none wait."""
    batch: list[tuple[_Ticket[Any], asyncio.Future[Any]]] = []
    try:
        while group.pending:
            await _gather(group)
            batch, group.pending = group.pending[:LIMIT], group.pending[LIMIT:]
            group.last = len(batch)
            tickets = [ticket for ticket, _ in batch]
            with contextlib.suppress(Exception):  # _lead gives every ticket its error before it raises
                await asyncio.to_thread(_lead, tickets, run_group, run_one)
            group.came = len(group.pending)
            for ticket, answer in batch:
                if answer.done():  # the caller went away
                    continue
                if ticket.error is not None:
                    answer.set_exception(ticket.error)
                else:
                    answer.set_result(ticket.answer)
            batch = []
    finally:
        for _, answer in batch + group.pending:  # left only when the task was cancelled (the loop stopping)
            if not answer.done():
                answer.cancel()
        group.pending = []
        group.draining = None


async def _gather(group: _LoopGroup) -> None:
    """Wait until :func:`wanted` orders wait, or GATHER_S passed."""
    group.wanted = wanted(group.last, group.came)
    if len(group.pending) >= group.wanted:
        return
    loop = asyncio.get_running_loop()
    enough = group.enough = loop.create_future()
    timer = loop.call_later(GATHER_S, _resolve, enough)
    try:
        await enough
    finally:
        timer.cancel()
        group.enough = None


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
