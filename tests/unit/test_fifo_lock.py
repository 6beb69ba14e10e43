"""SQLite's in-process writer queue lets writers in in the order they came, even when the writer
that holds it asks again at once (a stock import committing its parts back to back)."""

from __future__ import annotations

import threading

from tests.waits import until
from truecount.adapters.db.fifo_lock import FifoRLock


def test_a_released_lock_goes_to_the_longest_waiter_not_to_the_thread_asking_again() -> None:
    lock = FifoRLock()
    order: list[str] = []

    def writer(name: str) -> None:
        with lock:
            order.append(name)

    lock.acquire()
    first = threading.Thread(target=writer, args=("first",))
    first.start()
    until(lambda: lock.waiting() == 1, "the first writer to queue")
    second = threading.Thread(target=writer, args=("second",))
    second.start()
    until(lambda: lock.waiting() == 2, "the second writer to queue")
    lock.release()
    lock.acquire()  # the holder asks again at once: it queues behind both
    order.append("holder again")
    lock.release()
    first.join(timeout=20)
    second.join(timeout=20)
    assert order == ["first", "second", "holder again"]


def test_the_holder_may_take_it_again_inside_and_only_the_holder_may_release_it() -> None:
    lock = FifoRLock()
    with lock, lock:
        assert lock.waiting() == 0
    refused: list[BaseException] = []

    def release_without_holding() -> None:
        try:
            lock.release()
        except RuntimeError as error:
            refused.append(error)

    with lock:
        other = threading.Thread(target=release_without_holding)
        other.start()
        other.join(timeout=20)
    assert len(refused) == 1
    with lock:  # still free after the refused release and the holder's own
        pass
