"""``column IN (the values of one parameter)``, as each database does it best.

SQLAlchemy's expanding ``IN`` writes one placeholder per value when the statement runs: a list
of 16 values and one of 17 are two different texts, so PostgreSQL parses and plans the statement
again for every length, psycopg never prepares it, and SQLAlchemy re-renders it each time. On
PostgreSQL :func:`any_of` is ``column = ANY(:name)`` with the list sent as one array: one text,
prepared once. On SQLite (in-process: no parsing to save) it stays the expanding ``IN``.

:func:`in_rows` is ``column IN (a subquery)``, planned without a join on PostgreSQL.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Boolean, ColumnElement, String, TypeDecorator, any_, bindparam, func
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import Select
from sqlalchemy.sql.selectable import CompoundSelect
from sqlalchemy.sql.visitors import InternalTraversal


class AnyOf(ColumnElement[bool]):
    """See the module: ``column`` is one of the values of the list parameter ``name``."""

    inherit_cache = True
    type = Boolean()
    _is_implicitly_boolean = True  # a comparison already: SQLite needs no `= 1` after it
    _traverse_internals = [  # noqa: RUF012 (SQLAlchemy reads it from the class)
        ("column", InternalTraversal.dp_clauseelement),
        ("name", InternalTraversal.dp_string),
    ]

    def __init__(self, column: ColumnElement[Any], name: str) -> None:
        self.column = column
        self.name = name


def any_of(column: ColumnElement[Any], name: str) -> AnyOf:
    return AnyOf(column, name)


@compiles(AnyOf)
def _expanding_in(element: AnyOf, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.column.in_(bindparam(element.name, expanding=True)), **kw))


@compiles(AnyOf, "postgresql")
def _any_array(element: AnyOf, compiler: Any, **kw: Any) -> str:
    # imported here, where PostgreSQL's dialect is loaded already: at the top it made every SQLite
    # process that imports this module (a read on the command line) import that dialect too
    from sqlalchemy.dialects import postgresql

    array = bindparam(element.name, type_=postgresql.ARRAY(element.column.type))
    return str(compiler.process(element.column == any_(array), **kw))


class _JsonList(TypeDecorator[list[Any]]):
    """A list bound as one JSON text (SQLite's ``json_each`` reads it back)."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: list[Any] | None, dialect: Any) -> str | None:
        return None if value is None else json.dumps(value)


class InList(AnyOf):
    """See :func:`in_list`."""

    inherit_cache = True


def in_list(column: ColumnElement[Any], name: str) -> InList:
    """``column`` is one of the values of the list parameter ``name``, for lists of any length.

    On PostgreSQL it is :func:`any_of` (one array). On SQLite the list goes as ONE JSON text read by
    ``json_each``: one statement text for every length, nothing rendered per value, and no limit on
    the number of values (an expanding ``IN`` writes a placeholder per value, which costs about a
    microsecond each to render and stops at SQLite's 32,766 variables). For the bulk paths
    (offers recomputed by the thousand, imports), where lists have thousands of values."""
    return InList(column, name)


@compiles(InList)
def _json_each(element: InList, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    values = compiler.process(bindparam(element.name, type_=_JsonList()), **kw)
    return f"{column} IN (SELECT value FROM json_each({values}))"


@compiles(InList, "postgresql")
def _in_list_array(element: InList, compiler: Any, **kw: Any) -> str:
    return _any_array(element, compiler, **kw)


class InRows(ColumnElement[bool]):
    """See :func:`in_rows`."""

    inherit_cache = True
    type = Boolean()
    _is_implicitly_boolean = True
    _traverse_internals = [  # noqa: RUF012 (SQLAlchemy reads it from the class)
        ("column", InternalTraversal.dp_clauseelement),
        ("rows", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: ColumnElement[Any], rows: Select[Any] | CompoundSelect[Any]) -> None:
        self.column = column
        self.rows = rows


def in_rows(column: ColumnElement[Any], rows: Select[Any] | CompoundSelect[Any]) -> InRows:
    """``column`` is one of the values the one-column query ``rows`` returns.

    On PostgreSQL it is ``column = ANY(ARRAY(rows))``: the query runs once, before the scan, and its
    array is an index condition, whatever the planner believes of the row counts. As ``column IN
    (rows)`` PostgreSQL joins the two, and with no statistics yet (a table filled since the last
    ``ANALYZE``) it may take the outer side for one row and rescan the query's result for each of
    its rows: 401 variants × 201 ids read a bundle's facts in 10 ms of server CPU instead of under
    one. On SQLite it stays ``column IN (rows)``, which its planner serves from ``column``'s index."""
    return InRows(column, rows)


@compiles(InRows)
def _in_subquery(element: InRows, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.column.in_(element.rows), **kw))


@compiles(InRows, "postgresql")
def _any_of_array(element: InRows, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.column == any_(func.array(element.rows.scalar_subquery())), **kw))
