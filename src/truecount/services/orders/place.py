"""Orders: channel order ingest (never refused, backorders and oversell incidents) and strict
reservations (all lines or none), recorded once per (channel, external order id).

Every function here books through the one engine (:mod:`.engine`): alone, a group of concurrent
callers (:mod:`.group_commit`), or a batch — an order of one is a batch of one.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from truecount.adapters.db.engine import Database
from truecount.domain.commands import PlaceOrder
from truecount.domain.errors import InvalidInput, TruecountError
from truecount.services.common.scope import Scope
from truecount.services.orders import engine, group_commit
from truecount.services.orders.results import Order, OrderError, OrderRefused

MAX_LINES = 500
#: Control characters (C0, DEL, C1): an order id holding one could not be stored on PostgreSQL (NUL) or
#: typed, shown and searched as the channel shows it.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def place_order(
    db: Database, scope: Scope, cmd: PlaceOrder, key: str | None = None, *, also: engine.Also | None = None
) -> Order:
    """Record and book an order once per (channel, external id) — and once per idempotency ``key`` when
    one is given. A repeat returns the recorded order (``replayed``). ``also``: a write made in the
    same transaction when the order is answered (a webhook's delivery record), not when refused.

    Concurrent callers share transactions (:mod:`.group_commit`): each still gets its own answer or
    refusal, only after the shared commit.
    """
    validate_order(cmd, scope)
    return group_commit.submit(db, scope, (cmd, key, also), *_booking(db, scope))


async def place_order_async(db: Database, scope: Scope, cmd: PlaceOrder, key: str | None = None) -> Order:
    """:func:`place_order` for a caller on an event loop (the API): it waits on the loop, and each shared
    transaction runs in a worker thread (:func:`.group_commit.submit_async`)."""
    validate_order(cmd, scope)
    return await group_commit.submit_async(db, scope, (cmd, key, None), *_booking(db, scope))


Item = tuple[PlaceOrder, str | None, engine.Also | None]


def _booking(
    db: Database, scope: Scope
) -> tuple[Callable[[list[Item]], list[Order | TruecountError]], Callable[[Item], Order]]:
    """How a group of orders is booked (one transaction), and how one is booked alone."""

    def run_group(items: list[Item]) -> list[Order | TruecountError]:
        return engine.book(db, scope, [(c, k) for c, k, _ in items], also=[a for *_, a in items])

    return run_group, lambda item: _alone(db, scope, *item)


def place_order_alone(db: Database, scope: Scope, cmd: PlaceOrder, key: str | None = None) -> Order:
    """Record and book one order in a transaction of its own (no group commit)."""
    validate_order(cmd, scope)
    return _alone(db, scope, cmd, key)


def _alone(db: Database, scope: Scope, cmd: PlaceOrder, key: str | None, also: engine.Also | None = None) -> Order:
    (answer,) = engine.book(db, scope, [(cmd, key)], also=[also])
    if isinstance(answer, TruecountError):
        raise answer
    return answer


def place_orders(db: Database, scope: Scope, cmds: list[PlaceOrder]) -> list[Order | OrderRefused]:
    """Several orders in ONE transaction; a strict order refused for stock books nothing and the others
    still stand (its entry is an :class:`OrderRefused`). An unknown channel or SKU in any order refuses
    the whole batch (nothing written). No idempotency key: a repeat of the batch finds each order by its
    external id."""
    for cmd in cmds:
        validate_order(cmd, scope)
    answers = engine.book(db, scope, [(cmd, None) for cmd in cmds], all_or_error=True)
    return [
        OrderRefused(cmd.external_id, OrderError(result.code, str(result), result.details))
        if isinstance(result, TruecountError)
        else result
        for cmd, result in zip(cmds, answers, strict=True)
    ]


def validate_order(cmd: PlaceOrder, scope: Scope) -> None:
    """Refuse (:class:`InvalidInput`, naming the field) an order no booking may take."""
    if not cmd.channel:
        raise InvalidInput("is required", field="channel")
    if not cmd.external_id or not cmd.external_id.strip() or len(cmd.external_id) > 200:
        raise InvalidInput("is required: up to 200 characters", field="external_id")
    if not cmd.external_id.isprintable() and _CONTROL.search(cmd.external_id) is not None:  # the usual id: one C call
        raise InvalidInput("must not contain control characters", field="external_id")
    if not cmd.lines:
        raise InvalidInput("must have at least one line", field="lines")
    if len(cmd.lines) > MAX_LINES:
        raise InvalidInput(f"has more than {MAX_LINES} lines", field="lines")
    for i, line in enumerate(cmd.lines):
        if not line.sku:
            raise InvalidInput("is required", field=f"lines[{i}].sku")
        q = line.quantity
        if isinstance(q, bool) or not isinstance(q, int) or q <= 0:
            raise InvalidInput("must be a whole number greater than zero", field=f"lines[{i}].quantity")
        if q > scope.max_quantity:
            raise InvalidInput(f"is absurdly large (more than {scope.max_quantity})", field=f"lines[{i}].quantity")
