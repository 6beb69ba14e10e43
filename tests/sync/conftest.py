"""Running channel emulators for the sync tests: one set per test module, reset before each test."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from truecount.emulators.runner import RunningEmulator, start

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
