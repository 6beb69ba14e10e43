"""SQLite writers of several handles (processes) take turns: a bulk job's write waits for the writers
already waiting, and a writer that cannot get its turn in time is busy. SQLite only: one writer at a
time is SQLite's file lock (PostgreSQL queues writers on the rows they lock)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from tests.waits import until
from truecount.adapters.db.engine import Database, is_busy


@pytest.fixture
def two(sqlite_url: str) -> Iterator[tuple[Database, Database]]:
    """Two handles on one file, as the CLI and ``truecount serve`` each open one."""
    first, second = Database(sqlite_url), Database(sqlite_url)
    try:
        yield first, second
    finally:
        first.dispose()
        second.dispose()


def test_a_bulk_write_starts_after_the_writer_of_another_handle_that_was_waiting(
    two: tuple[Database, Database],
) -> None:
    job, server = two
    done: list[str] = []

    def order() -> None:
        with server.write() as conn:
            conn.execute(text("SELECT 1"))
            done.append("order")

    with job.write():
        worker = threading.Thread(target=order)
        worker.start()
        until(job.writers_waiting, "the other handle's writer to wait for its turn")
    with job.write(bulk=True):
        assert done == ["order"], "the bulk write went before the writer that was waiting"
        assert not job.writers_waiting()
    worker.join(timeout=60)


def test_a_bulk_write_starts_after_every_writer_queued_in_the_other_process(two: tuple[Database, Database]) -> None:
    """Not only the other handle's first writer, waiting for the turn, but the ones queued behind it
    in its process (a server's next request) go before the bulk write."""
    job, server = two
    done: list[str] = []

    def writer(name: str) -> None:
        with server.write() as conn:
            conn.execute(text("SELECT 1"))
            done.append(name)

    with job.write():
        first = threading.Thread(target=writer, args=("first",))
        first.start()
        until(job.writers_waiting, "the other handle's first writer to wait for its turn")
        second = threading.Thread(target=writer, args=("second",))
        second.start()
        until(lambda: server._write_lock.waiting() == 1, "the second writer to queue behind the first")
    with job.write(bulk=True):
        assert done == ["first", "second"], "the bulk write went before a writer that was queued"
    first.join(timeout=60)
    second.join(timeout=60)


def test_a_writer_that_cannot_get_its_turn_within_the_busy_timeout_is_busy(two: tuple[Database, Database]) -> None:
    holder, _ = two
    impatient = Database(holder.url, busy_timeout_ms=50)
    try:
        with holder.write():
            with pytest.raises(OperationalError) as refused, impatient.write() as conn:
                conn.execute(text("SELECT 1"))
            assert is_busy(refused.value), refused.value
            assert not holder.writers_waiting()  # it left the queue too
        with impatient.write() as conn:  # the turn free again: it goes through
            assert conn.execute(text("SELECT 1")).scalar() == 1
    finally:
        impatient.dispose()
