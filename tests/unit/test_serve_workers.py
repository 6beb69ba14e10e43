"""``serve --workers N``: the processes agree through a lock file that exactly one runs the sync worker."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from truecount.entrypoints.api import served
from truecount.entrypoints.cli.serve_cmd import default_workers

HOLD = """
import sys, time
from truecount.entrypoints.api.served import claim_sync_worker
print(claim_sync_worker(sys.argv[1]), flush=True)
sys.stdin.read()  # hold the lock until the test closes our stdin
"""


def test_one_process_takes_the_sync_worker_and_another_takes_it_over_when_that_one_ends(tmp_path: Path) -> None:
    lock = str(tmp_path / "serve.lock")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, lock], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "True"
        assert served.claim_sync_worker(lock) is False  # another live process has it
    finally:
        holder.communicate("", timeout=30)
    assert served.claim_sync_worker(lock) is True  # the holder ended: the next process takes over
    for file in served._held:
        file.close()
    served._held.clear()


def test_the_lock_is_per_database_and_port() -> None:
    assert served.lock_path("sqlite:///a.db", 8000) != served.lock_path("sqlite:///a.db", 8001)
    assert served.lock_path("sqlite:///a.db", 8000) != served.lock_path("sqlite:///b.db", 8000)


def test_postgresql_serves_one_process_per_core_and_sqlite_one() -> None:
    assert default_workers("sqlite:///truecount.db") == 1
    assert default_workers("postgresql+psycopg://localhost/truecount") >= 1
