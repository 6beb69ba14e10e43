"""Every write takes a key: a replay returns the first result, a different payload is a conflict.

A typed result (a dataclass or a pydantic model, given as ``into``) is stored as its JSON form and
rebuilt as the same type on a replay, with ``replayed=True`` where the type has that field.

The key row is inserted first, inside the write's own transaction. On PostgreSQL a
concurrent writer with the same key blocks on the primary key until the first commits,
then finds the stored result; if the first rolls back, its key disappears with it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import TypeAdapter
from sqlalchemy import Connection, bindparam, delete, select, update

from truecount.adapters.db.bulk import insert_many
from truecount.adapters.db.tables.ledger import idempotency_keys
from truecount.domain.errors import IdempotencyConflict
from truecount.services.common.scope import db_time, utcnow
from truecount.services.common.sql import insert_ignore

R = TypeVar("R")


_ADAPTERS: dict[type[Any], TypeAdapter[Any]] = {}


def _adapter(into: type[Any]) -> TypeAdapter[Any]:
    """The (de)serializer of a result type, built once per type."""
    if into not in _ADAPTERS:
        _ADAPTERS[into] = TypeAdapter(into)
    return _ADAPTERS[into]


def payload_hash(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def run_once(
    conn: Connection, merchant_id: int, key: str | None, payload: Any, act: Callable[[], R], into: type[R]
) -> R:
    """Run ``act`` once per (merchant, key); return its first result on every replay.

    ``into``: the result's type (a dataclass or pydantic model). It is stored as its JSON form and
    rebuilt as ``into`` on a replay (``replayed=True`` where the type has that field).
    """
    if key is None:
        return act()
    digest = payload_hash(payload)
    inserted = insert_ignore(
        conn,
        idempotency_keys,
        {
            "merchant_id": merchant_id,
            "key": key,
            "request_hash": digest,
            "response": "",
            "created_at": db_time(utcnow()),
        },
    )
    if not inserted:
        stored_hash, response = conn.execute(
            select(idempotency_keys.c.request_hash, idempotency_keys.c.response).where(
                idempotency_keys.c.merchant_id == merchant_id, idempotency_keys.c.key == key
            )
        ).one()
        earlier = _earlier(key, digest, stored_hash, response)
        if isinstance(earlier, IdempotencyConflict):
            raise earlier
        rebuilt: R = _adapter(into).validate_python(earlier)
        return rebuilt
    result = act()
    conn.execute(
        update(idempotency_keys)
        .where(idempotency_keys.c.merchant_id == merchant_id, idempotency_keys.c.key == key)
        .values(response=json.dumps(_adapter(into).dump_python(result, mode="json"), default=str))
    )
    return result


def _earlier(key: str, digest: str, stored_hash: str, response: str) -> dict[str, Any] | IdempotencyConflict:
    """A key used before: its first answer (``replayed``) for the same request, else a conflict."""
    if stored_hash != digest:
        return IdempotencyConflict(
            f"idempotency key {key!r} was already used with a different request", field="idempotency_key"
        )
    return {**json.loads(response), "replayed": True}


# Many keys in one transaction (group commit, ``orders.engine.book``): the same rules as run_once.


def claim_many(
    conn: Connection, merchant_id: int, requests: dict[str, Any], into: type[R]
) -> dict[str, R | IdempotencyConflict | None]:
    """Claim every ``key → payload`` at once: ``None`` where the key is new (its row is inserted now, in
    the caller's transaction), the first answer rebuilt as ``into`` (``replayed``) where it was used for
    the same payload, a conflict where it was used for another one. Keys must be distinct."""
    if not requests:
        return {}
    digests = {key: payload_hash(payload) for key, payload in requests.items()}
    now = db_time(utcnow())
    rows = [
        {"merchant_id": merchant_id, "key": key, "request_hash": digest, "response": "", "created_at": now}
        for key, digest in digests.items()
    ]
    fresh = {str(r[0]) for r in insert_many(conn, idempotency_keys, rows, returning=("key",), skip_conflicts=True)}
    claims: dict[str, R | IdempotencyConflict | None] = {key: None for key in fresh}
    used = sorted(set(digests) - fresh)
    if used:
        k = idempotency_keys.c
        stored = conn.execute(
            select(k.key, k.request_hash, k.response).where(k.merchant_id == merchant_id, k.key.in_(used))
        ).all()
        for key, stored_hash, response in stored:
            earlier = _earlier(key, digests[key], stored_hash, response)
            claims[key] = (
                earlier if isinstance(earlier, IdempotencyConflict) else _adapter(into).validate_python(earlier)
            )
    return claims


def store_many(conn: Connection, merchant_id: int, results: dict[str, Any]) -> None:
    """Keep each claimed key's first answer, a typed result (in the transaction that claimed it)."""
    if results:
        conn.execute(
            _STORE,
            [
                {"m": merchant_id, "k": key, "response": _adapter(type(r)).dump_json(r).decode()}
                for key, r in results.items()
            ],
        )


def release_many(conn: Connection, merchant_id: int, keys: list[str]) -> None:
    """Give back keys whose request was refused (nothing written: the same key may be tried again)."""
    if keys:
        conn.execute(
            delete(idempotency_keys).where(
                idempotency_keys.c.merchant_id == merchant_id, idempotency_keys.c.key.in_(keys)
            )
        )


_STORE = (
    update(idempotency_keys)
    .where(idempotency_keys.c.merchant_id == bindparam("m"), idempotency_keys.c.key == bindparam("k"))
    .values(response=bindparam("response"))
)
