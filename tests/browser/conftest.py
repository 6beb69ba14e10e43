"""A real server (uvicorn in a thread, SQLite file in tmp) and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, sync_playwright

from tests import factories as f
from truecount.adapters.db.engine import Database
from truecount.entrypoints.api.app import create_app
from truecount.services.accounts import users as accounts
from truecount.services.bootstrap import init_database, merchant_scope
from truecount.settings import Settings

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class LiveServer:
    url: str
    db: Database
    user: str
    password: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    url = f"sqlite:///{tmp_path_factory.mktemp('live') / 'truecount.db'}"
    db = Database(url)
    init_database(db)
    scope = merchant_scope(db, "default", "seed")
    f.location(db, scope, "WH1", name="Main warehouse")
    f.location(db, scope, "QC", name="Quarantine", saleable=False)
    f.variant(db, scope, "TEE-M", name="Blue tee", barcodes=["400000000001"], options={"size": "M"})
    f.variant(db, scope, "MUG", name="Mug")
    f.receive(db, scope, "TEE-M", 5, "WH1", reference="PO-1")
    accounts.add_user(db, scope, "sam", "staff", "password-1")
    port = _free_port()
    app = create_app(Settings(database_url=url, secret_key="browser-test"), db)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", db, "sam", "password-1")
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        db.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
