"""Several statements in ONE round trip (PostgreSQL pipeline mode), each answering all its rows.

A write that ends with reads which do not depend on it (the availability listeners' reads of
which listings and trackers watch the variants that moved) would wait for the server once per
statement. :func:`fetch_together` sends them all before waiting, through psycopg's pipeline
mode on the transaction's own connection: the server runs them one after the other, in order,
in the caller's transaction, exactly as if they were sent one by one; only the waits are shared
(two in all: the results, then the pipeline's closing sync, which the server answers at once;
a single statement is simply run by SQLAlchemy).
If one fails, the ones after it are not run and the error is raised as SQLAlchemy raises any
statement's (a ``DBAPIError`` wrapping the driver's: ``with_retry`` still retries a deadlock); the
transaction is then aborted, and the caller's ``with db.write()`` rolls back. SQLAlchemy's
``before_cursor_execute`` and ``after_cursor_execute`` listeners still hear of each statement
(with no execution context).

A statement is a SQLAlchemy Core statement with its parameters, or a driver-level SQL text
(psycopg's ``%(name)s``/``%(name)b`` placeholders, PostgreSQL only). A Core statement that
needs SQLAlchemy at run time (result processing, an expanding ``IN``) is run by it, after the
others. On SQLite (in-process: no round trips to save) every statement simply runs in turn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Executable, Select

Statement = tuple[Executable | str, Mapping[str, Any]]  # a statement and its parameters
Rows = list[Sequence[Any]]


def fetch_together(conn: Connection, statements: Sequence[Statement]) -> list[Rows]:
    """Run ``statements`` in order in ``conn``'s transaction; the rows of each, in the same order."""
    if conn.dialect.name != "postgresql" or len(statements) < 2:  # nothing to share
        return [_one_by_one(conn, statement, params) for statement, params in statements]
    forms = [_driver_form(conn.dialect, statement, params) for statement, params in statements]
    driver = conn.connection.driver_connection
    assert driver is not None
    results: list[Rows | None] = [None] * len(statements)
    try:
        _pipelined(conn, driver, forms, results)
    except driver.Error as error:  # as SQLAlchemy raises it (with_retry reads its SQLSTATE)
        sent = [form[0] for form in forms if form is not None]
        raise DBAPIError.instance("\n;\n".join(sent), None, error, type(driver).Error, dialect=conn.dialect) from error
    for index, (statement, params) in enumerate(statements):
        if results[index] is None:  # needs SQLAlchemy's result processing
            results[index] = _one_by_one(conn, statement, params)
    return [rows if rows is not None else [] for rows in results]


def _pipelined(
    conn: Connection, driver: Any, forms: list[tuple[str, dict[str, Any]] | None], results: list[Rows | None]
) -> None:
    cursors = []
    with driver.pipeline():
        for index, form in enumerate(forms):
            if form is not None:
                cursor = driver.cursor()
                # What SQLAlchemy tells its cursor listeners (logging, tracing, tests), with no
                # execution context: a statement sent here is not SQLAlchemy's to run.
                conn.dispatch.before_cursor_execute(conn, cursor, form[0], form[1], None, False)
                cursor.execute(*form)
                cursors.append((index, cursor))
        for index, cursor in cursors:
            results[index] = list(cursor.fetchall())
            form = forms[index]
            assert form is not None
            conn.dispatch.after_cursor_execute(conn, cursor, form[0], form[1], None, False)
            cursor.close()


def _one_by_one(conn: Connection, statement: Executable | str, params: Mapping[str, Any]) -> Rows:
    if isinstance(statement, str):
        return list(conn.exec_driver_sql(statement, dict(params)).all())
    return list(conn.execute(statement, dict(params)).all())


def _driver_form(
    dialect: Dialect, statement: Executable | str, params: Mapping[str, Any]
) -> tuple[str, dict[str, Any]] | None:
    """The SQL text and parameters psycopg takes for ``statement``, as SQLAlchemy would send them;
    ``None`` when its rows need SQLAlchemy's result processing."""
    if isinstance(statement, str):
        return statement, dict(params)
    compiled = _compiled(dialect, statement)
    if compiled is None:
        return None
    text, processors, construct = compiled
    values = construct(dict(params))
    for name, process in processors.items():
        if name in values:
            values[name] = process(values[name])
    return text, values


@lru_cache(maxsize=128)
def _compiled(dialect: Dialect, statement: Executable) -> tuple[str, dict[str, Any], Any] | None:
    """Compile once per statement (they are module constants): the text, the bind processors
    (an array's, say) and the parameter builder; ``None`` if a column has a result processor or
    the text is only complete per call (an expanding ``IN``)."""
    if isinstance(statement, Select):
        for column in statement.selected_columns:
            if column.type._cached_result_processor(dialect, None) is not None:
                return None
    compiled = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
    if (
        compiled.post_compile_params or compiled.literal_execute_params
    ):  # an expanding IN: SQLAlchemy renders it per call
        return None
    # SQLAlchemy applies these when it executes; the pinned 2.0 keeps them on the compiled form.
    processors = dict(compiled._bind_processors)
    return compiled.string, processors, compiled.construct_params
