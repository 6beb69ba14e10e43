"""``column IN (the values of one parameter)``, as each database does it best.

SQLAlchemy's expanding ``IN`` writes one placeholder per value when the statement runs: a list
of 16 values and one of 17 are two different texts, so PostgreSQL parses and plans the statement
again for every length, psycopg never prepares it, and SQLAlchemy re-renders it each time. On
PostgreSQL :func:`any_of` is ``column = ANY(:name)`` with the list sent as one array: one text,
prepared once. On SQLite (in-process: no parsing to save) it stays the expanding ``IN``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, ColumnElement, any_, bindparam
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.compiler import compiles
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
    array = bindparam(element.name, type_=postgresql.ARRAY(element.column.type))
    return str(compiler.process(element.column == any_(array), **kw))
