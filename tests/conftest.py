"""Shared fixtures: one database per backend per test run, one fresh merchant per test.

Every storage test runs on SQLite and on PostgreSQL (127.0.0.1:5432, trust auth). Each
run creates its own PostgreSQL database and drops it at the end. Tests are isolated by
merchant: all data is scoped by ``merchant_id``, so a new merchant is a clean slate.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from hypothesis import HealthCheck, settings

from truecount.adapters.db.engine import Database
from truecount.services.bootstrap import init_database, wire
from truecount.services.catalog.records import ensure_merchant
from truecount.services.common.scope import Scope

# Hypothesis profiles: "shared" in CI and by default (no deadline and no too-slow health check: a loaded
# machine makes generation slow, never wrong); HYPOTHESIS_PROFILE=deep for a long hunt (twenty times the examples).
settings.register_profile("shared", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("deep", parent=settings.get_profile("shared"), max_examples=2_000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "shared"))

PG_ADMIN_URL = os.environ.get("TRUECOUNT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite", "postgresql"]


def _pg_admin(sql: str) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


@pytest.fixture(scope="session", autouse=True)
def secret_key_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The key ``init`` and ``serve`` generate is kept in one file of this run (an absolute path every
    process a test starts inherits), never ``./truecount.secret`` in the checkout: a ``truecount worker``
    started elsewhere would not find that one, and could not open channel secrets sealed with it."""
    path = str(tmp_path_factory.mktemp("secret") / "truecount.secret")
    before = os.environ.get("TRUECOUNT_SECRET_KEY_FILE")
    os.environ["TRUECOUNT_SECRET_KEY_FILE"] = path
    yield path
    if before is None:
        os.environ.pop("TRUECOUNT_SECRET_KEY_FILE", None)
    else:
        os.environ["TRUECOUNT_SECRET_KEY_FILE"] = before


@pytest.fixture(scope="session", autouse=True)
def wired() -> None:
    """The listeners wired as every entrypoint wires them (tests that open a database by hand too)."""
    wire()


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test process, dropped afterwards."""
    name = f"truecount_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    _pg_admin(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)
    finally:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path: Path = tmp_path_factory.mktemp("sqlite") / "truecount.db"
    return f"sqlite:///{path}"


@pytest.fixture(scope="session", params=BACKENDS)
def db(request: pytest.FixtureRequest) -> Iterator[Database]:
    """A migrated database on each backend (session-wide; tests isolate by merchant)."""
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    database = Database(url)
    init_database(database)
    yield database
    database.dispose()


@pytest.fixture
def scope(db: Database) -> Scope:
    """A brand-new merchant: an empty catalogue and ledger for this test alone."""
    with db.write() as conn:
        merchant_id = ensure_merchant(conn, f"m-{uuid.uuid4().hex[:12]}", "test merchant")
    return Scope(merchant_id, "test", 1_000_000_000)


@pytest.fixture
def fresh_scope(db: Database) -> Callable[[], Scope]:
    """A factory of brand-new merchants (for property tests: one clean slate per example)."""

    def make() -> Scope:
        with db.write() as conn:
            merchant_id = ensure_merchant(conn, f"m-{uuid.uuid4().hex[:12]}", "test merchant")
        return Scope(merchant_id, "test", 1_000_000_000)

    return make


@pytest.fixture(params=BACKENDS)
def blank_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """An empty, unmigrated database of its own on each backend (for migration tests)."""
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'blank.db'}")
        yield database
        database.dispose()
        return
    name = f"truecount_blank_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    _pg_admin(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    database = Database(f"{base}/{name}")
    try:
        yield database
    finally:
        database.dispose()
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
