"""``truecount serve`` prints where it serves only once it answers there: a user (or ``make run``) who
opens the printed URL as soon as it appears is served, on a busy machine too, where start-up takes
many seconds.

What is checked is the order of the process's own output: uvicorn logs ``Application startup
complete.`` before its socket accepts, and the URL line comes after it; then the URL is asked at once,
with nothing waited for in between. (``--workers N``: tests/integration/test_serve_workers_processes.py.)"""

from __future__ import annotations

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


def stop(server: subprocess.Popen[bytes], log: Path) -> None:
    """SIGTERM, as a service manager stops it: uvicorn shuts down, then ends by the signal it caught."""
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
    assert server.returncode in (0, -signal.SIGTERM), log.read_text()[-2000:]
    assert "Application shutdown complete." in log.read_text()


@pytest.mark.slow
def test_the_url_serve_prints_answers_the_moment_it_is_printed(blank_db: Database, tmp_path: Path) -> None:
    port = free_port()
    args = [str(Path(sys.executable).parent / "truecount"), "--db", blank_db.url, "serve", "--port", str(port)]
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen([*args, "--workers", "1"], cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT)
        try:
            until(lambda: server.poll() is not None or printed_url(log), "serve to print its URL", 180)
            url = printed_url(log)
            assert url == f"http://127.0.0.1:{port}/", log.read_text()[-3000:]
            assert httpx.get(f"{url}login", timeout=30).status_code == 200  # refused if printed before it listens
        finally:
            stop(server, log)
