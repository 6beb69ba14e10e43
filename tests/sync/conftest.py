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

from truecount.adapters.channels.auth import forget_tokens
from truecount.adapters.db.engine import Database
from truecount.emulators.auth import CREDENTIALS
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
    "searchOrders": (20.0, 20.0),
    "getOrder": (50.0, 50.0),
    "getMarketplaceParticipations": (20.0, 20.0),
}
TOKEN_LIFETIME_S = 3.0  # access tokens expire every few seconds: every sync test runs through refreshes


@pytest.fixture(scope="module")
def emulators() -> Iterator[dict[str, RunningEmulator]]:
    running = {
        "shopify": start("shopify", token_lifetime_s=TOKEN_LIFETIME_S),
        "amazon": start("amazon", rates=FAST_AMAZON, feed_delay_s=0.05, token_lifetime_s=TOKEN_LIFETIME_S),
        "ebay": start("ebay", token_lifetime_s=TOKEN_LIFETIME_S),
        "woocommerce": start("woocommerce"),
    }
    yield running
    for emulator in running.values():
        emulator.stop()


@pytest.fixture
def emu(emulators: dict[str, RunningEmulator]) -> dict[str, RunningEmulator]:
    """The emulators, each reset to a clean slate (no listings, orders, faults, violations or tokens)."""
    for emulator in emulators.values():
        httpx.post(emulator.url + "/_emulator/reset").raise_for_status()
    forget_tokens()  # tokens cached for the emulators' previous life
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


def credentials(kind: str, url: str) -> dict[str, Any]:
    """The emulators' credentials, as a seller would configure them: token lifecycles wherever the channel
    has one (Amazon LWA and eBay refresh tokens, Shopify's client credentials grant), WooCommerce's key."""
    c = CREDENTIALS
    if kind == "shopify":
        return {"client_id": c["client_id"], "client_secret": c["client_secret"]}
    if kind == "amazon":
        return {
            "lwa_client_id": c["client_id"],
            "lwa_client_secret": c["client_secret"],
            "refresh_token": c["refresh_token"],
            "lwa_token_url": url + "/auth/o2/token",
        }
    if kind == "ebay":
        return {"client_id": c["client_id"], "client_secret": c["client_secret"], "refresh_token": c["refresh_token"]}
    return {"consumer_key": c["consumer_key"], "consumer_secret": c["consumer_secret"]}


def channel_config(kind: str, url: str, **extra: Any) -> dict[str, Any]:
    """A connector config pointing at an emulator, with its credentials (fast feeds and Amazon rates
    matching FAST_AMAZON)."""
    config: dict[str, Any] = {"base_url": url, "timeout_s": 2.0, "webhook_secret": "emulator-secret"}
    config |= credentials(kind, url)
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


def token_headers(kind: str, url: str) -> dict[str, str]:
    """Headers that authenticate a raw request to an emulator, with a token from its own token endpoint."""
    c = CREDENTIALS
    if kind == "shopify":
        return {"X-Shopify-Access-Token": c["permanent_token"]}
    if kind == "amazon":
        grant = {k: c[k] for k in ("client_id", "client_secret", "refresh_token")}
        answer = httpx.post(url + "/auth/o2/token", data={**grant, "grant_type": "refresh_token"})
        return {"x-amz-access-token": answer.raise_for_status().json()["access_token"]}
    if kind == "ebay":
        answer = httpx.post(
            url + "/identity/v1/oauth2/token",
            data={"grant_type": "refresh_token", "refresh_token": c["refresh_token"]},
            auth=(c["client_id"], c["client_secret"]),
        )
        return {"Authorization": "Bearer " + answer.raise_for_status().json()["access_token"]}
    raise ValueError(f"{kind} has no tokens (WooCommerce signs each request)")
