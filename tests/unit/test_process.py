"""A started process keeps what start-up built out of the collector's walks, and gives it back on the way out."""

from __future__ import annotations

import gc
from pathlib import Path

from fastapi.testclient import TestClient

from truecount.entrypoints.api.app import create_app
from truecount.entrypoints.process import YOUNG_OBJECTS, bulk_job, settled
from truecount.services.bootstrap import open_database
from truecount.settings import Settings


class _Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the cyclic collector frees it


def test_settled_freezes_what_is_alive_and_still_collects_what_is_made_after() -> None:
    before = _Node()
    with settled():
        assert gc.get_freeze_count() > 0
        after = _Node()
        assert not _walked(before)  # frozen: no collection walks it
        assert _walked(after)
        del after
        assert gc.collect() > 0  # what was made while settled is still collected
    assert gc.get_freeze_count() == 0
    assert _walked(before)


def test_settled_collects_the_youngest_objects_less_often_and_gives_the_thresholds_back() -> None:
    thresholds = gc.get_threshold()
    with settled():
        assert gc.get_threshold() == (YOUNG_OBJECTS, *thresholds[1:])
        assert thresholds[0] < YOUNG_OBJECTS
    assert gc.get_threshold() == thresholds


def _walked(node: _Node) -> bool:
    """Whether ``node`` is in a generation the collector walks."""
    return any(x is node for x in gc.get_objects())


def test_the_app_is_settled_while_it_runs(tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path}/settle.db")
    try:
        app = create_app(Settings(database_url=db.url, secret_key="test-secret"), db)
        with TestClient(app) as client:
            assert client.get("/api/v1/me").status_code == 401
            assert gc.get_freeze_count() > 0
        assert gc.get_freeze_count() == 0
    finally:
        db.dispose()


def test_a_bulk_job_pauses_the_collector_and_leaves_it_as_it_was() -> None:
    assert gc.isenabled()
    with bulk_job():
        assert not gc.isenabled()
        cycle = _Node()
        del cycle  # a cycle made meanwhile is not lost: the next collection frees it
    assert gc.isenabled()
    assert gc.collect() > 0
    gc.disable()
    try:
        with bulk_job():
            assert not gc.isenabled()
        assert not gc.isenabled()  # paused before: still paused
    finally:
        gc.enable()
