"""``truecount serve --workers N`` as a user starts it: N server processes on the one port, the embedded
sync worker (its threads) in exactly one of them; without ``--workers`` the default for the backend.

Each run serves a database of its own (``blank_db``: ``serve`` creates the schema), so the embedded
worker sees no other test's channels. What is checked is the processes: which of them hold the lock
file that elects the worker, and how many threads each runs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.serve_log import printed_url
from tests.waits import until
from truecount.adapters.db.engine import Database
from truecount.emulators.runner import free_port
from truecount.entrypoints.api.served import lock_path

EMBEDDED_THREADS = 4  # the sync worker, the offer clock, the purchase order mailer, the supplier feeds


def _children(pid: int) -> list[int]:
    """The server processes uvicorn spawned (not multiprocessing's resource tracker)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue  # ended meanwhile
        if parent == pid and b"spawn_main" in command:
            found.append(int(entry.name))
    return sorted(found)


def _holds(pid: int, path: str) -> bool:
    fds = Path(f"/proc/{pid}/fd")
    return any(os.readlink(fd) == path for fd in fds.iterdir() if fd.is_symlink())


def _threads(pid: int) -> int:
    return len(list(Path(f"/proc/{pid}/task").iterdir()))


@pytest.mark.slow
def test_serve_runs_its_processes_on_one_port_and_the_sync_worker_in_exactly_one(
    blank_db: Database, tmp_path: Path
) -> None:
    url = blank_db.url
    # SQLite's default is one process, so ask for two; PostgreSQL's default is one per core.
    workers = ["--workers", "2"] if blank_db.is_sqlite else []
    expected = 2 if blank_db.is_sqlite else max(1, os.cpu_count() or 1)
    port = free_port()
    args = [str(Path(sys.executable).parent / "truecount"), "--db", url, "serve", "--port", str(port), *workers]
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(args, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT)
        try:
            until(lambda: server.poll() is not None or printed_url(log), "serve to print its URL", 180)
            address = printed_url(log)  # printed once a process answers: asked at once, it answers
            assert address is not None and httpx.get(f"{address}openapi.json", timeout=30).status_code == 200
            until(lambda: log.read_text().count("Application startup complete.") == expected, "every process", 180)
            assert f"{expected} process{'es' if expected > 1 else ''}" in log.read_text()
            for _ in range(2 * expected):  # the one port answers
                assert httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=30).status_code == 200
            children = _children(server.pid)
            if expected == 1:  # one core: serve is the one server process, with the worker
                assert children == [] and _threads(server.pid) > EMBEDDED_THREADS
            else:
                assert len(children) == expected, log.read_text()[-2000:]
                holders = [pid for pid in children if _holds(pid, lock_path(url, port))]
                assert len(holders) == 1, (children, holders)
                others = [pid for pid in children if pid not in holders]
                assert all(_threads(holders[0]) >= _threads(pid) + EMBEDDED_THREADS for pid in others)
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            finally:
                if server.poll() is None:
                    server.kill()
    assert server.returncode == 0, log.read_text()[-2000:]
    assert _children(server.pid) == []
