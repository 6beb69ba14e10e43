"""The README's examples run as written on a fresh database: every block marked ``<!-- example: cli -->``
(in bash, each line must succeed, on SQLite and PostgreSQL) and ``<!-- example: http -->`` (curl against
a real server on a free port instead of 8000, with the user ``demo``; every answer must be a success)."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from tests.conftest import PG_ADMIN_URL, _pg_admin
from truecount.adapters.db.engine import Database
from truecount.entrypoints.api.app import create_app
from truecount.services.accounts import users as accounts
from truecount.services.bootstrap import init_database, merchant_scope
from truecount.settings import Settings

README = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
BIN = str(Path(sys.executable).parent)


def examples(kind: str) -> list[str]:
    found = re.findall(rf"<!-- example: {kind}\b[^>]*-->\n```(?:sh|bash)\n(.*?)```", README, re.S)
    assert found, f"the README has no {kind} example"
    return found


def run(block: str, url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{BIN}:{os.environ.get('PATH', '')}", "TRUECOUNT_DATABASE_URL": url, "COLUMNS": "200"}
    env.pop("TRUECOUNT_MERCHANT", None)
    return subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", block], env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database nobody has used: a new SQLite file, or a new PostgreSQL database (dropped after)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'readme.db'}"
        return
    name = f"truecount_readme_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    _pg_admin(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_cli_examples_run_as_written_on_a_fresh_database(fresh_url: str) -> None:
    for block in examples("cli"):
        done = run(block, fresh_url)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        assert "error" not in done.stderr.lower(), done.stderr
    assert "offered" in done.stdout and "TEE-L" in done.stdout


def documents(text: str) -> list[object]:
    """The JSON documents curl printed one after another (without newlines between them)."""
    decoder, found, at = json.JSONDecoder(), [], 0
    while at < len(text.rstrip()):
        document, at = decoder.raw_decode(text, at)
        found.append(document)
        while at < len(text) and text[at].isspace():
            at += 1
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_http_examples_run_as_written_against_a_server(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'readme.db'}"
    db = Database(url)
    init_database(db)
    accounts.add_user(db, merchant_scope(db, "default", "readme"), "demo", "admin", "demo-password")
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(Settings(database_url=url, secret_key="readme"), db), port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        for block in examples("http"):
            done = run(block.replace("127.0.0.1:8000", f"127.0.0.1:{port}"), url)
            assert done.returncode == 0, done.stderr
            answers = documents(done.stdout)
            assert answers and not any(isinstance(a, dict) and "error" in a for a in answers), done.stdout
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        db.dispose()
    assert answers[-1][0]["sku"] == "TEE-BL-M"  # type: ignore[index]  # the search finds the product the block added
