"""Planner statistics brought up to date before a bulk act (PostgreSQL).

PostgreSQL plans each statement from the statistics ``ANALYZE`` last gathered (``pg_class.relpages``
and ``reltuples``, ``pg_statistic``). Autovacuum refreshes them a while after a table grew by a
tenth, at most once a minute per database; until then a table just filled in bulk (a catalogue
import, listings linked by the thousand) is planned as the small table it was. Measured on a 50,000-row
stock import right after 10,000 variants and 20,000 listings were added: the listings were locked
and read by scanning the merchant's whole index and filtering (36 and 20 ms a part instead of
about 1), and the import took 5.0 s of server CPU, against 3.6 s with fresh statistics.

:func:`refresh_stale` analyzes the named tables that hold rows but were never analyzed, and those
whose file has grown well past what their statistics recorded (a cheap, exact comparison: the file's
size against ``relpages``), each in the caller's transaction. A table never analyzed is the costly
case: without its statistics the planner takes ``merchant_id = …`` to match half a percent of the
rows, whatever the table holds. ``ANALYZE`` takes a lock that only DDL, ``VACUUM`` and another
``ANALYZE`` wait for: readers and writers go on. It needs the table's owner (the role that ran the
migrations); for another role PostgreSQL skips the table with a warning, and plans stay as they
were. On SQLite it does nothing: its planner does not rely on gathered statistics unless ``ANALYZE``
was run once, which truecount never does.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

GROWTH = 1.2  # a table is stale when its file holds more than this many times the pages last analyzed
SLACK_PAGES = 8  # ... plus this many (a tiny table is never worth it)

_STALE = """
SELECT c.relname
FROM pg_class c
WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' AND c.relname = ANY(%(names)s)
  AND pg_relation_size(c.oid) > 0
  AND (c.reltuples < 0
       OR pg_relation_size(c.oid) / current_setting('block_size')::bigint > %(growth)s * c.relpages + %(slack)s)
ORDER BY c.relname
"""


def refresh_stale(conn: Connection, tables: Sequence[str], growth: float = GROWTH) -> list[str]:
    """``ANALYZE`` each of ``tables`` that holds rows and was never analyzed, or whose file holds
    more than ``growth`` times the pages last analyzed (PostgreSQL; a no-op on SQLite). Returns the
    tables analyzed, by name. Commit the transaction to keep what it gathered."""
    if conn.dialect.name != "postgresql" or not tables:
        return []
    params = {"names": list(tables), "growth": growth, "slack": SLACK_PAGES}
    stale = [str(name) for (name,) in conn.exec_driver_sql(_STALE, params)]
    for name in stale:
        conn.exec_driver_sql(f'ANALYZE "{name}"')  # a name read from pg_class, one of ``tables``
    return stale
