"""The database handle: one engine, write transactions and read transactions.

SQLite (embedded default) runs in WAL mode with ``synchronous=FULL``; every write
transaction starts with ``BEGIN IMMEDIATE`` so two writers never deadlock on a lock
upgrade, and waits up to ``busy_timeout_ms`` for the lock. PostgreSQL runs at READ
COMMITTED: the guarded ``UPDATE … WHERE`` statements re-check their condition on the
locked row, which is what makes them safe under any number of clients.

Within one process, SQLite writers also queue on a lock before asking SQLite for theirs:
SQLite's busy handler sleeps and retries, which starves unlucky writers under many
concurrent requests (seconds of p99 in the API benchmark); an in-process queue does not. The
queue is first come, first served (:class:`.fifo_lock.FifoRLock`): a writer committing short
transactions back to back (a stock import's parts) lets each waiting writer in between.
Across processes the writers take turns on a lock file beside the database, where a bulk job's
part waits for the writers of other processes already waiting (:mod:`.writer_turn`).

A one-shot bulk load of many small transactions (the demo) may run them inside
:meth:`Database.unflushed_commits`: each commit then returns without waiting for the disk flush
(SQLite ``synchronous=NORMAL`` in WAL mode, PostgreSQL ``synchronous_commit = off``). A crash
may lose the last of those commits, never leaves a half-written one; the first ordinary commit
after the block flushes all of them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, exc
from sqlalchemy.engine import make_url

from .fifo_lock import FifoRLock
from .packed import register_dumpers
from .together import BEGIN_READ, BEGIN_WRITE, begin_later, begin_now, forget_begin
from .writer_turn import WriterTurns


class Database:
    """A connection factory for one database URL. Build once per process."""

    def __init__(
        self, url: str, *, busy_timeout_ms: int = 30_000, pool_size: int = 20, lock_timeout_ms: int = 0
    ) -> None:
        self.url = url
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        self._write_lock = FifoRLock()
        self._flush_commits = True
        self._turns: WriterTurns | None = None
        if self.dialect == "sqlite":
            self.engine = _sqlite_engine(url, busy_timeout_ms)
            self._turns = WriterTurns(parsed.database, busy_timeout_ms / 1000)
        elif self.dialect == "postgresql":
            register_dumpers()  # before any connection copies psycopg's adapters
            if parsed.drivername == "postgresql":
                url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
                self.url = url
            # LIFO: the connection handed back last is lent next, so after a burst a steady load keeps
            # to a few warm server processes (measured: group commit at 16 clients ran at half the rate
            # when a FIFO pool cycled each shared transaction through 16 connections).
            # lock_timeout: a statement waiting longer than this for a row lock fails (a busy answer, 503)
            # instead of holding the request open while another transaction works (0: wait forever).
            connect_args = {"options": f"-c lock_timeout={int(lock_timeout_ms)}"} if lock_timeout_ms else {}
            self.engine = create_engine(
                url, pool_size=pool_size, max_overflow=pool_size, pool_use_lifo=True, connect_args=connect_args
            )
            _ping_when_idle(self.engine)
            event.listen(self.engine, "before_cursor_execute", _begin_first)
        else:
            raise ValueError(f"unsupported database {self.dialect!r}: use sqlite:/// or postgresql://")

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @contextmanager
    def write(self, *, bulk: bool = False) -> Iterator[Connection]:
        """A write transaction: commits on success, rolls back on any exception. Hooks registered
        with :func:`after_commit` run once it has committed (never after a rollback).

        ``bulk``: one part of a bulk job (a stock import's parts). On SQLite it starts once every
        writer of another process waiting for the lock has had its turn (:mod:`.writer_turn`); on
        PostgreSQL it is an ordinary write (row locks queue the writers)."""
        if self._turns is None:
            with self._pg_transaction(BEGIN_WRITE, truecount_write=True) as conn:
                if not self._flush_commits:
                    conn.exec_driver_sql("SET LOCAL synchronous_commit TO off")
                yield conn
            return
        with self._turns.turn(self._write_lock, bulk=bulk), self.engine.connect() as conn:
            conn = conn.execution_options(truecount_write=True, truecount_flush=self._flush_commits)
            try:
                with conn.begin():
                    yield conn
            finally:
                hooks: list[Callable[[], None]] = conn.info.pop(_AFTER_COMMIT, [])
        for hook in hooks:
            hook()

    @contextmanager
    def _pg_transaction(self, begin: str, **options: Any) -> Iterator[Connection]:
        """A PostgreSQL transaction begun by truecount with ``begin`` (see :mod:`.together`): the connection in
        psycopg's autocommit mode (SQLAlchemy's ``AUTOCOMMIT`` isolation level, reset when the
        connection returns to the pool) and ``BEGIN`` sent with the first statement. The end is
        SQLAlchemy's as for any transaction: psycopg's ``commit()`` and ``rollback()`` end whatever
        transaction the server has open, in either mode."""
        with self.engine.connect() as conn:
            conn = conn.execution_options(**options, isolation_level="AUTOCOMMIT")
            begin_later(conn, begin)
            try:
                with conn.begin():
                    yield conn
            finally:
                forget_begin(conn)  # the record's info outlives this checkout
                hooks: list[Callable[[], None]] = conn.info.pop(_AFTER_COMMIT, [])
        for hook in hooks:
            hook()

    @contextmanager
    def unflushed_commits(self) -> Iterator[None]:
        """Inside the block, this process's write transactions commit without waiting for the disk
        flush: for a one-shot bulk load of many small transactions, where a crash loses the load
        anyway. Not for a server (an answered write must survive a crash)."""
        was, self._flush_commits = self._flush_commits, False
        try:
            yield
        finally:
            self._flush_commits = was

    @contextmanager
    def read(self, *, planned_for_values: bool = False) -> Iterator[Connection]:
        """A read transaction (one consistent snapshot on PostgreSQL's REPEATABLE READ).

        ``planned_for_values``: PostgreSQL plans each of its statements for the values sent with it
        (none is prepared: see :func:`unprepared`), for statements whose best plan depends on them."""
        if not self.is_sqlite:
            with self._pg_transaction(BEGIN_READ) as conn, unprepared(conn) if planned_for_values else nullcontext():
                yield conn
            return
        with self.engine.connect() as conn, conn.begin():
            yield conn

    def writers_waiting(self) -> bool:
        """SQLite: whether a writer of another handle (another process) is waiting for its turn now."""
        return self._turns is not None and self._turns.waiting()

    def dispose(self) -> None:
        self.engine.dispose()
        if self._turns is not None:
            self._turns.close()


#: SQLSTATEs of PostgreSQL meaning "busy, try again": lock_not_available, query_canceled (a timeout),
#: serialization_failure, deadlock_detected, too_many_connections, cannot_connect_now.
_BUSY_SQLSTATES = frozenset({"55P03", "57014", "40001", "40P01", "53300", "57P03"})
_BUSY_TEXT = (  # SQLite's lock messages; PostgreSQL refusing a new connection (no SQLSTATE on the client side)
    "database is locked",
    "database is busy",
    "database table is locked",
    "too many clients already",
    "remaining connection slots are reserved",
)


def is_busy(error: BaseException) -> bool:
    """Whether a database error means "the database is busy, retry shortly" (a lock not granted in time,
    a pool with no connection to lend), as opposed to a refusal of the statement itself."""
    if isinstance(error, exc.TimeoutError):  # the pool had no connection to lend in time
        return True
    if not isinstance(error, exc.OperationalError):
        return False
    if getattr(error.orig, "sqlstate", None) in _BUSY_SQLSTATES:
        return True
    return any(text in str(error.orig).lower() for text in _BUSY_TEXT)


def is_out_of_range(error: BaseException) -> bool:
    """Whether a database error means "a figure past the largest stored (2^63 - 1)": PostgreSQL's
    numeric_value_out_of_range, SQLite's integer overflow in a sum or a level's storable check."""
    if not isinstance(error, exc.DBAPIError):
        return False
    if getattr(error.orig, "sqlstate", None) == "22003":
        return True
    text = str(error.orig).lower()
    return "integer overflow" in text or ("check constraint failed" in text and "_storable" in text)


PING_AFTER_IDLE_S = 1.0  # a pooled connection idle longer than this is checked before it is lent
_IDLE_SINCE = "truecount_idle_since"


def _ping_when_idle(engine: Engine) -> None:
    """Check a pooled PostgreSQL connection before lending it, when it has been idle a while.

    A connection lost while idle (a database restart, an idle timeout) is replaced before the
    caller sees it, as ``pool_pre_ping`` does; but a connection handed back milliseconds ago (every
    booking under load) is lent without the extra round trip: on the booking path that trip was
    one in every ten.
    """

    @event.listens_for(engine, "checkin")
    def _idle(dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _check(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        since = record.info.pop(_IDLE_SINCE, None)
        if since is None or time.monotonic() - since <= PING_AFTER_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as lost:  # the pool drops this connection and lends a fresh one
            raise exc.DisconnectionError(f"pooled connection lost while idle: {lost}") from lost


@contextmanager
def unprepared(conn: Connection) -> Iterator[None]:
    """No statement ``conn`` sends meanwhile is prepared (PostgreSQL; psycopg's ``prepare_threshold``).

    psycopg prepares a statement the fifth time one connection sends its text; PostgreSQL plans a
    prepared statement's first five runs for their values, then may keep one generic plan, made
    without them, when it does not look dearer. For a statement whose best plan depends on a value
    that plan can be far worse: ``lower(sku) LIKE :pattern`` is served by a trigram index for its
    pattern, but the generic plan read all 100,000 variants (60-95 ms against 2 ms for a whole
    barcode; the stock screen's search from the tenth time a server connection ran it). Unprepared,
    each statement is parsed and planned with its values every time (a fraction of a millisecond)."""
    driver = conn.connection.driver_connection
    threshold = getattr(driver, "prepare_threshold", None)
    if threshold is None:  # SQLite, or psycopg already preparing nothing
        yield
        return
    driver.prepare_threshold = None  # type: ignore[union-attr]
    try:
        yield
    finally:
        driver.prepare_threshold = threshold  # type: ignore[union-attr]


_AFTER_COMMIT = "truecount_after_commit"


def _begin_first(conn: Connection, cursor: Any, statement: str, *_: Any) -> None:
    """A write transaction's first statement sent by SQLAlchemy sends its ``BEGIN`` first."""
    begin_now(conn, cursor)


def after_commit(conn: Connection, hook: Callable[[], None]) -> None:
    """Run ``hook`` once the :meth:`Database.write` transaction of ``conn`` has committed (once per
    transaction however often it is registered; dropped on rollback; in this process only)."""
    hooks: list[Callable[[], None]] = conn.info.setdefault(_AFTER_COMMIT, [])
    if hook not in hooks:
        hooks.append(hook)


_FLUSHED = "truecount_synchronous_full"  # a SQLite connection's synchronous setting (FULL unless told)


def _sqlite_engine(url: str, busy_timeout_ms: int) -> Engine:
    memory = make_url(url).database in (None, "", ":memory:")
    kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": busy_timeout_ms / 1000}}
    if memory:
        raise ValueError("an in-memory SQLite database cannot be shared between connections: use a file")
    engine = create_engine(url, pool_size=10, max_overflow=30, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module: we emit BEGIN ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        options = conn.get_execution_options()
        if options.get("truecount_write"):
            flush = options.get("truecount_flush", True)
            if conn.info.get(_FLUSHED, True) != flush:  # set per connection, outside a transaction
                conn.exec_driver_sql(f"PRAGMA synchronous={'FULL' if flush else 'NORMAL'}")
                conn.info[_FLUSHED] = flush
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")

    return engine
