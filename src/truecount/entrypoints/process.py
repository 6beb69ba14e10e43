"""What a long-running truecount process does once it has started: the API server, the worker."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def settled() -> Iterator[None]:
    """While the process runs, keep what start-up built out of the garbage collector's walks.

    The modules, SQLAlchemy's tables and cached statements, FastAPI's routes and pydantic's models
    live as long as the process. Python's cyclic collector would walk all of them again on every
    full collection, and a batch of orders (a few objects per order, alive until it is answered)
    sets off a full collection every few batches. ``gc.freeze()`` moves every object alive now
    to a generation the collector never scans (after one last collection, so no garbage is kept);
    what requests build is collected as before. On the way out ``gc.unfreeze()`` hands it all
    back, so an application started and stopped inside a longer-lived process (the tests) leaves
    nothing uncollectable behind. Measured: one thread booking batches of 1,000 orders spent 81 ms
    of Python a batch before, 60 ms settled (docs/benchmarks.md).

    The youngest generation is also collected less often: after :data:`YOUNG_OBJECTS` new objects
    instead of Python's 700. A request or a group of orders builds thousands of short-lived objects
    (plans, answers, rows); at 700 the collector walked most of them while they were alive, and again
    in the next generation, for nothing. Measured on the booking path (plan, columns, statement
    parameters, answers; 1,000-order batches): 15.8 → 11 µs of CPU an order. What is alive in the
    youngest generation at once stays a few megabytes; cycles are still collected, a little later.
    """
    gc.collect()
    gc.freeze()
    thresholds = gc.get_threshold()
    gc.set_threshold(YOUNG_OBJECTS, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


YOUNG_OBJECTS = 10_000
"""New container objects after which a settled process collects its youngest generation."""


@contextmanager
def bulk_job() -> Iterator[None]:
    """A one-shot bulk command (a CSV import, the demo load): the cyclic garbage collector paused while
    it runs, back as it was afterwards.

    Such a command builds tens of thousands of objects that live until it ends (the file's rows, their
    ids, each part's plan), and each time they have grown by a quarter Python's collector walks every
    object of the process again, finding nothing to free: a 50,000-row stock import ran five such
    walks, 0.8 s of its 3.2 s of CPU on SQLite (2.4 s paused; docs/benchmarks.md). Reference counting
    still frees everything that is not a cycle; the cycles the command leaves are collected when it
    ends. Only for a process that runs the command and exits (the CLI); a server keeps its collector
    (:func:`settled`).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
