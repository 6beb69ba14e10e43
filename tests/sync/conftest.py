"""Running channel emulators for the sync tests: one set per test module, reset before each test."""

from __future__ import annotations

from collections.abc import Iterator

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
