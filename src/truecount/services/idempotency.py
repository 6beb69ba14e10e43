"""Every write takes a key: a replay returns the first result, a different payload is a conflict.

The key row is inserted first, inside the write's own transaction. On PostgreSQL a
concurrent writer with the same key blocks on the primary key until the first commits,
then finds the stored result; if the first rolls back, its key disappears with it.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Connection, select, update

from truecount.adapters.db.tables.ledger import idempotency_keys
from truecount.domain.errors import IdempotencyConflict

from .scope import db_time, utcnow
from .sql import insert_ignore

T = TypeVar("T")


def new_key() -> str:
    return uuid.uuid4().hex


def payload_hash(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def run_once(
    conn: Connection,
    merchant_id: int,
    key: str | None,
    payload: Any,
    act: Callable[[], dict[str, Any]],
) -> dict[str, Any]:
    """Run ``act`` once per (merchant, key); return its first JSON-able result on every replay."""
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
        if stored_hash != digest:
            raise IdempotencyConflict(
                f"idempotency key {key!r} was already used with a different request", field="idempotency_key"
            )
        result: dict[str, Any] = json.loads(response)
        result["replayed"] = True
        return result
    result = act()
    conn.execute(
        update(idempotency_keys)
        .where(idempotency_keys.c.merchant_id == merchant_id, idempotency_keys.c.key == key)
        .values(response=json.dumps(result, default=str))
    )
    return result
