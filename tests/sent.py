"""The SQL a test's database runs while a block runs, as the driver's cursor is given it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from truecount.adapters.db.engine import Database


@contextmanager
def statements(db: Database) -> Iterator[list[str]]:
    """Every SQL statement the database runs meanwhile, in order."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
