"""Running channel emulators for the sync tests (one set per test module, reset before each test) and
truecount's API served over HTTP, where the emulators deliver their webhooks."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import uvicorn

from truecount.adapters.db.engine import Database
from truecount.emulators.runner import RunningEmulator, free_port, start
from truecount.entrypoints.api.app import create_app
from truecount.settings import Settings

FAST_AMAZON = {
    "patchListingsItem": (50.0, 50.0),
    "getListingsItem": (50.0, 50.0),
    "createFeedDocument": (20.0, 20.0),
    "createFeed": (20.0, 20.0),
    "getFeed": (50.0, 50.0),
    "getFeedDocument": (20.0, 20.0),
    "getOrders": (20.0, 20.0),
    "getOrderItems": (50.0, 50.0),
}


@pytest.fixture(scope="module")
def emulators() -> Iterator[dict[str, RunningEmulator]]:
    running = {
        "shopify": start("shopify"),
        "amazon": start("amazon", rates=FAST_AMAZON, feed_delay_s=0.05),
        "ebay": start("ebay"),
        "woocommerce": start("woocommerce"),
    }
    yield running
    for emulator in running.values():
        emulator.stop()


@pytest.fixture
def emu(emulators: dict[str, RunningEmulator]) -> dict[str, RunningEmulator]:
    """The emulators, each reset to a clean slate (no listings, orders, faults or violations)."""
    for emulator in emulators.values():
        httpx.post(emulator.url + "/_emulator/reset").raise_for_status()
    return emulators


class ApiServers:
    """truecount's API served on a loopback port, one server per database, started on first use."""

    def __init__(self) -> None:
        self.running: dict[str, tuple[uvicorn.Server, threading.Thread, str]] = {}

    def url(self, db: Database) -> str:
        if db.url not in self.running:
            port = free_port()
            config = uvicorn.Config(
                create_app(Settings(), db), host="127.0.0.1", port=port, log_level="critical", lifespan="off"
            )
            server = uvicorn.Server(config)
            thread = threading.Thread(target=server.run, name="truecount-api", daemon=True)
            thread.start()
            deadline = time.monotonic() + 10
            while not server.started:
                assert thread.is_alive() and time.monotonic() < deadline, "the API did not start"
                time.sleep(0.01)
            self.running[db.url] = (server, thread, f"http://127.0.0.1:{port}")
        return self.running[db.url][2]

    def stop(self) -> None:
        for server, thread, _url in self.running.values():
            server.should_exit = True
            thread.join(timeout=10)


@pytest.fixture(scope="module")
def api() -> Iterator[ApiServers]:
    servers = ApiServers()
    yield servers
    servers.stop()


def state(emulator: RunningEmulator) -> dict[str, object]:
    answer: dict[str, object] = httpx.get(emulator.url + "/_emulator/state").json()
    return answer


def wait_for(condition: Callable[[], bool], deadline_s: float = 10.0, every_s: float = 0.02) -> bool:
    """Poll ``condition`` until it holds or the deadline passes; the final answer is returned."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(every_s)
    return condition()


def channel_config(kind: str, url: str, **extra: Any) -> dict[str, Any]:
    """A connector config pointing at an emulator (fast feeds and Amazon rates matching FAST_AMAZON)."""
    config: dict[str, Any] = {"base_url": url, "timeout_s": 2.0, "webhook_secret": "emulator-secret"}
    if kind == "shopify":
        config["location_id"] = "7"
    if kind == "amazon":
        config |= {"seller_id": "SELLER", "marketplace_id": "A1F83G8C2ARO7P", "feed_poll_s": 0.05}
        config["rate_limits"] = {op: list(rate) for op, rate in FAST_AMAZON.items()}
    if kind == "ebay":
        config |= {"rate_per_s": 15.0, "burst": 30.0}
    if kind == "woocommerce":
        config |= {"rate_per_s": 40.0, "burst": 80.0}
    return config | extra
