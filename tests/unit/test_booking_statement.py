"""The booking statements sent on PostgreSQL stay short enough for psycopg to keep their conversion."""

from __future__ import annotations

import re

from truecount.adapters.db.booking import postgres

# psycopg converts a statement's %(name)b placeholders once per process and keeps the result only for
# statements of at most 4 KiB (and 50 parameters); a longer one is parsed again on every call.
PSYCOPG_KEEPS_BYTES = 4096


def test_the_batch_statements_are_within_what_psycopg_keeps_converted() -> None:
    for statement in (postgres.STATEMENT, postgres.CHECKED):
        assert len(statement.encode()) <= PSYCOPG_KEEPS_BYTES
        assert len(set(re.findall(r"%\((\w+)\)", statement))) <= 50


def test_compacting_keeps_the_statement_whole_and_drops_only_comments_and_spaces() -> None:
    assert "--" not in postgres.STATEMENT and "\n" not in postgres.STATEMENT
    assert "  " not in postgres.CHECKED
    assert "INSERT INTO orders (id,merchant_id,channel_id,external_id,strict,status,created_at,updated_at)" in (
        postgres.STATEMENT
    )
    assert "string_agg(c::text,',' ORDER BY c.id)" in postgres.CHECKED  # literals untouched
    assert postgres.CHECKED.startswith(postgres.STATEMENT.rsplit(" SELECT (SELECT yes", 1)[0])
