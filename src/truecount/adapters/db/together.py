"""Several statements in ONE round trip (PostgreSQL pipeline mode), each answering all its rows.

A write that ends with reads which do not depend on it (the availability listeners' reads of
which listings and trackers watch the variants that moved) would wait for the server once per
statement. :func:`fetch_together` sends them all before waiting, through psycopg's pipeline
mode on the transaction's own connection: the server runs them one after the other, in order,
in the caller's transaction, exactly as if they were sent one by one; only the wait is shared:
the rows are fetched once the pipeline's closing sync is answered, so it is one round trip
(fetching inside the pipeline would wait for the rows, then again for the sync; measured, one
thread booking groups of 16: 8.6–10.7 → 7.2–8.6 ms a group, the median of 4 blocks, three
interleaved runs). A single statement inside an open transaction is sent on the driver's
cursor as it is (a pipeline would add its sync's wait). Either way the rows come as psycopg
gives them, with none of SQLAlchemy's result processing (the stock read of a group of 16
orders: about a fifth less CPU).

A PostgreSQL transaction (:meth:`adapters.db.engine.Database.write` and ``read``) is begun by truecount,
not by psycopg: its connection is in autocommit mode for psycopg (SQLAlchemy's ``AUTOCOMMIT``
isolation level, which SQLAlchemy resets when the connection goes back to the pool) and its
``BEGIN`` is sent with its first statement (:func:`begin_later`). When that statement is sent
here, ``BEGIN`` goes in the pipeline with it, and the transaction's start and its first
statements share one round trip (psycopg, beginning itself, waits for its ``BEGIN`` first, in a
pipeline too); any other first statement sends it just before (:func:`begin_now`).
If one fails, the ones after it are not run and the error is raised as SQLAlchemy raises any
statement's (a ``DBAPIError`` wrapping the driver's: ``with_retry`` still retries a deadlock); the
transaction is then aborted, and the caller's ``with db.write()`` rolls back. SQLAlchemy's
``before_cursor_execute`` and ``after_cursor_execute`` listeners still hear of each statement
(with no execution context).

List parameters of an ``ARRAY`` of integers or strings go packed whole
(:mod:`adapters.db.packed`) instead of through SQLAlchemy's bind processor and psycopg's
element-by-element list dumper.

A statement is a SQLAlchemy Core statement with its parameters, or a driver-level SQL text
(psycopg's ``%(name)s``/``%(name)b`` placeholders, PostgreSQL only). A Core statement that
needs SQLAlchemy at run time (result processing, an expanding ``IN``) is run by it, after the
others. On SQLite (in-process: no round trips to save) every statement simply runs in turn.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Mapping, Sequence
from contextlib import nullcontext
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Dialect, Enum, Integer, String
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Executable, Select
from sqlalchemy.types import ARRAY

from .packed import int8s, texts

Statement = tuple[Executable | str, Mapping[str, Any]]  # a statement and its parameters
Rows = list[Sequence[Any]]
Packer = Callable[[Sequence[Any]], bytes]


def fetch_together(conn: Connection, statements: Sequence[Statement]) -> list[Rows]:
    """Run ``statements`` in order in ``conn``'s transaction; the rows of each, in the same order."""
    if conn.dialect.name == "sqlite":
        return [_on_sqlite(conn, statement, params) for statement, params in statements]
    if conn.dialect.name != "postgresql" or not statements:
        return [_one_by_one(conn, statement, params) for statement, params in statements]
    driver = conn.connection.driver_connection
    assert driver is not None
    packed: dict[tuple[int, Packer], bytes | None] = {}  # a list several statements share is packed once
    forms = [_driver_form(conn.dialect, statement, params, packed) for statement, params in statements]
    results: list[Rows | None] = [None] * len(statements)
    try:
        _on_driver(conn, driver, forms, results)
    except driver.Error as error:  # as SQLAlchemy raises it (with_retry reads its SQLSTATE)
        sent = [form[0] for form in forms if form is not None]
        raise DBAPIError.instance("\n;\n".join(sent), None, error, type(driver).Error, dialect=conn.dialect) from error
    for index, (statement, params) in enumerate(statements):
        if results[index] is None:  # needs SQLAlchemy's result processing
            results[index] = _one_by_one(conn, statement, params)
    return [rows if rows is not None else [] for rows in results]


def _on_driver(
    conn: Connection, driver: Any, forms: list[tuple[str, dict[str, Any]] | None], results: list[Rows | None]
) -> None:
    """Send ``forms`` on the driver's connection (pipelined when more than one: one round trip)
    and fetch each one's rows."""
    cursors = []
    sent = sum(form is not None for form in forms)
    begin = conn.info.pop(BEGIN_LATER, None) if sent else None
    with driver.pipeline() if sent > 1 or begin is not None else nullcontext():
        if begin is not None:
            driver.execute(begin)
        for index, form in enumerate(forms):
            if form is not None:
                cursor = driver.cursor()
                # What SQLAlchemy tells its cursor listeners (logging, tracing, tests), with no
                # execution context: a statement sent here is not SQLAlchemy's to run.
                conn.dispatch.before_cursor_execute(conn, cursor, form[0], form[1], None, False)
                cursor.execute(*form)
                cursors.append((index, cursor))
    for index, cursor in cursors:  # after the sync: every result is in
        results[index] = list(cursor.fetchall())
        form = forms[index]
        assert form is not None
        conn.dispatch.after_cursor_execute(conn, cursor, form[0], form[1], None, False)
        cursor.close()


BEGIN_LATER = "truecount_begin_later"  # Connection.info: the BEGIN this transaction still has to send
BEGIN_WRITE = "BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE"
BEGIN_READ = "BEGIN ISOLATION LEVEL REPEATABLE READ"


def begin_later(conn: Connection, begin: str) -> None:
    """``conn`` (autocommit for psycopg) starts its transaction with ``begin``, sent with its first
    statement: pipelined by :func:`fetch_together`, else by :func:`begin_now`."""
    conn.info[BEGIN_LATER] = begin


def begin_now(conn: Connection, cursor: Any) -> None:
    """Send the pending ``BEGIN`` of ``conn``, if any, before a statement SQLAlchemy sends on ``cursor``
    (a ``before_cursor_execute`` listener of the engine)."""
    begin = conn.info.pop(BEGIN_LATER, None)
    if begin is not None:
        cursor.execute(begin)


def forget_begin(conn: Connection) -> None:
    """Drop a ``BEGIN`` never sent (the transaction ran no statement)."""
    conn.info.pop(BEGIN_LATER, None)


def _on_sqlite(conn: Connection, statement: Executable | str, params: Mapping[str, Any]) -> Rows:
    """One statement on SQLite's driver, its parameters as SQLAlchemy would bind them, its rows as the
    driver gives them (a query whose columns need SQLAlchemy's result processing, a date say, is run by
    SQLAlchemy): SQLAlchemy's execution and ``Row`` for each row cost more than SQLite's own work for
    the offers' reads (804 stored offers: 0.91 ms of CPU through SQLAlchemy, 0.56 ms on the driver)."""
    compiled = None if isinstance(statement, str) else _sqlite_compiled(conn.dialect, statement)
    if compiled is None:
        return _one_by_one(conn, statement, params)
    text, names, processors, construct = compiled
    values = construct(dict(params))
    for name, process in processors.items():
        if name in values:
            values[name] = process(values[name])
    args = tuple(values[name] for name in names)
    driver = conn.connection.driver_connection
    assert driver is not None
    cursor = driver.cursor()
    conn.dispatch.before_cursor_execute(conn, cursor, text, args, None, False)
    try:
        rows: Rows = cursor.execute(text, args).fetchall()
    except driver.Error as error:  # as SQLAlchemy raises it
        raise DBAPIError.instance(text, args, error, type(driver).Error, dialect=conn.dialect) from error
    finally:
        cursor.close()
    conn.dispatch.after_cursor_execute(conn, cursor, text, args, None, False)
    return rows


@lru_cache(maxsize=128)
def _sqlite_compiled(dialect: Dialect, statement: Executable) -> tuple[str, list[str], dict[str, Any], Any] | None:
    """A query compiled once for SQLite: its text, its parameters' names in order, their bind processors
    and the parameter builder; ``None`` if it is not a query, a column has a result processor or the text
    is only complete per call (an expanding ``IN``)."""
    columns = getattr(statement, "selected_columns", None)
    if columns is None:
        return None
    for column in columns:
        if column.type.dialect_impl(dialect).result_processor(dialect, None) is not None:
            return None
    compiled = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
    if compiled.post_compile_params or compiled.literal_execute_params or compiled.positiontup is None:
        return None
    processors = {
        name: process
        for name, bind in compiled.binds.items()
        if (process := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None
    }
    return compiled.string, list(compiled.positiontup), processors, compiled.construct_params


def _one_by_one(conn: Connection, statement: Executable | str, params: Mapping[str, Any]) -> Rows:
    if isinstance(statement, str):
        return list(conn.exec_driver_sql(statement, dict(params)).all())
    return list(conn.execute(statement, dict(params)).all())


def _driver_form(
    dialect: Dialect,
    statement: Executable | str,
    params: Mapping[str, Any],
    packed: dict[tuple[int, Packer], bytes | None],
) -> tuple[str, dict[str, Any]] | None:
    """The SQL text and parameters psycopg takes for ``statement``, as SQLAlchemy would send them;
    ``None`` when its rows need SQLAlchemy's result processing. ``packed``: the arrays packed so far
    in this round trip, by the identity of their list (alive until it ends)."""
    if isinstance(statement, str):
        return statement, dict(params)
    compiled = _compiled(dialect, statement)
    if compiled is None:
        return None
    text, processors, packers, construct = compiled
    values = construct(dict(params))
    for name, process in processors.items():
        if name in values:
            value = values[name]
            pack = packers.get(name)
            found = None
            if pack is not None:
                key = (id(value), pack)
                found = packed[key] if key in packed else packed.setdefault(key, _packed(value, pack))
            values[name] = found if found is not None else process(value)
    return text, values


def _packer(bind_type: Any) -> Packer | None:
    """How a list for this bind goes packed: ``bigint[]`` for integers, ``text[]`` for strings."""
    if isinstance(bind_type, ARRAY):
        if isinstance(bind_type.item_type, Integer):
            return int8s
        if isinstance(bind_type.item_type, String) and not isinstance(bind_type.item_type, Enum):
            return texts
    return None


def _packed(value: Any, pack: Packer) -> bytes | None:
    """``value`` packed, if it is a plain list (or tuple) of ints for :func:`int8s` (each within
    ``bigint``), of strings for :func:`texts`; else ``None`` (no ``None`` in it, no bool)."""
    kind = int if pack is int8s else str
    if not isinstance(value, list | tuple) or not all(type(item) is kind for item in value):
        return None
    try:
        return pack(value)
    except struct.error:  # an integer beyond bigint: psycopg's own dumper says what it makes of it
        return None


@lru_cache(maxsize=128)
def _compiled(dialect: Dialect, statement: Executable) -> tuple[str, dict[str, Any], dict[str, Packer], Any] | None:
    """Compile once per statement (they are module constants): the text, the bind processors
    (an array's, say), how each array parameter is packed, and the parameter builder; ``None`` if
    a column has a result processor or the text is only complete per call (an expanding ``IN``)."""
    if isinstance(statement, Select):
        for column in statement.selected_columns:
            if column.type.dialect_impl(dialect).result_processor(dialect, None) is not None:
                return None
    compiled = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
    if (
        compiled.post_compile_params or compiled.literal_execute_params
    ):  # an expanding IN: SQLAlchemy renders it per call
        return None
    # What SQLAlchemy applies to each parameter when it executes (public: each bind's type for this dialect).
    processors = {
        name: process
        for name, bind in compiled.binds.items()
        if (process := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None
    }
    packers = {name: pack for name, bind in compiled.binds.items() if (pack := _packer(bind.type)) is not None}
    return compiled.string, processors, packers, compiled.construct_params
