"""A line's bookings and backorders are read through an index led by the merchant and the line
(or the variant), never by scanning every row (PostgreSQL): each read of ``bookings`` or
``backorders`` that shipping, cancelling, returning and viewing an order sends is planned again
with sequential scans off, and every scan of those tables must be bounded so.

The plans are read in a database of this module's own: in the session's shared one, other tests'
rows and autovacuum's statistics can make a brand-new merchant look so rare that an index led by
the merchant alone costs the same as the line's, and the planner may take either."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from tests import factories as f
from tests import order_factories as o
from tests.conftest import PG_ADMIN_URL, _pg_admin
from truecount.adapters.db.engine import Database
from truecount.services.bootstrap import init_database
from truecount.services.common.scope import Scope
from truecount.services.orders.views import order_view

pytestmark = pytest.mark.parametrize("db", ["postgresql"], indirect=True)

_TABLES = ("bookings", "backorders")


@pytest.fixture
def db(request: pytest.FixtureRequest) -> Iterator[Database]:
    """A migrated PostgreSQL database of this test's own, dropped afterwards."""
    assert request.param == "postgresql"
    name = f"truecount_lookups_{uuid.uuid4().hex[:8]}"
    _pg_admin(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    database = Database(f"{base}/{name}")
    try:
        init_database(database)
        yield database
    finally:
        database.dispose()
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def _reads(db: Database) -> Iterator[list[tuple[str, Any]]]:
    """The SELECTs sent that read a line's bookings or backorders, with their parameters."""
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and any(f"FROM {t}" in statement for t in _TABLES):
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def _unbounded(node: dict[str, Any]) -> list[str]:
    """The scans of bookings or backorders under ``node`` not bounded by merchant and line or variant."""
    found = []
    if node.get("Relation Name") in _TABLES:
        conds = [node.get("Index Cond", "")] + [c.get("Index Cond", "") for c in node.get("Plans", [])]
        cond = " ".join(conds)  # a bitmap heap scan's condition is on its bitmap index scan
        if "merchant_id =" not in cond or not ("order_line_id" in cond or "variant_id =" in cond):
            found.append(f"{node['Node Type']} on {node['Relation Name']}: {cond or 'no index condition'}")
    for child in node.get("Plans", []):
        found.extend(_unbounded(child))
    return found


def _scans(db: Database, reads: list[tuple[str, Any]]) -> list[str]:
    """Each read whose plan, with sequential scans off, still scans bookings or backorders beyond the
    line's own rows (a sequential scan, or an index scan not led by the merchant and the line)."""
    found = []
    with db.write() as conn:
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        for statement, parameters in reads:
            ((plan,),) = conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters).all()
            found.extend(f"{scan}\n  in {statement}" for scan in _unbounded(plan[0]["Plan"]))
    return found


def test_shipping_cancelling_returning_and_viewing_a_line_read_its_bookings_and_backorders_by_index(
    db: Database, scope: Scope
) -> None:
    o.shop(db, scope, "TEE", "CAP")
    f.receive(db, scope, "TEE", 3, "WH1")
    f.receive(db, scope, "CAP", 1, "WH1")
    placed = o.order(db, scope, "W1", ("TEE", 3), ("CAP", 2))  # CAP: one booked, one backordered
    with _reads(db) as reads:
        o.change(db, scope, "fulfil", placed.id, ("TEE", 2))
        o.change(db, scope, "cancel", placed.id, ("TEE", 1), ("CAP", 2))
        o.change(db, scope, "return", placed.id, ("TEE", 1))
        with db.read() as conn:
            view = order_view(conn, scope.merchant_id, placed.id)
    assert view.lines[0].fulfilled == 2 and view.lines[0].returned == 1
    assert view.lines[1].cancelled == 2
    assert {t for statement, _ in reads for t in _TABLES if f"FROM {t}" in statement} == set(_TABLES)
    assert _scans(db, reads) == []
