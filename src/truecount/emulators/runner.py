"""Run emulators on loopback ports, in background threads (tests, benchmarks) or in the foreground (CLI)."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

import uvicorn

from .amazon import AmazonEmulator
from .ebay import EbayEmulator
from .shopify import ShopifyEmulator
from .woocommerce import WooEmulator

Emulator = ShopifyEmulator | AmazonEmulator | EbayEmulator | WooEmulator
DEFAULT_PORTS = {"shopify": 8101, "amazon": 8102, "ebay": 8103, "woocommerce": 8104}


def build(kind: str, **options: Any) -> Emulator:
    """A fresh emulator for a channel kind, with its rate model options."""
    factories: dict[str, Any] = {
        "shopify": ShopifyEmulator,
        "amazon": AmazonEmulator,
        "ebay": EbayEmulator,
        "woocommerce": WooEmulator,
    }
    if kind not in factories:
        raise ValueError(f"no emulator for channel kind {kind!r}")
    emulator: Emulator = factories[kind](**options)
    return emulator


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@dataclass
class RunningEmulator:
    kind: str
    emulator: Emulator
    server: uvicorn.Server
    thread: threading.Thread
    url: str

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def start(kind: str, *, host: str = "127.0.0.1", port: int = 0, **options: Any) -> RunningEmulator:
    """Start one emulator in a daemon thread and wait (with a deadline) until it accepts connections."""
    emulator = build(kind, **options)
    port = port or free_port(host)
    config = uvicorn.Config(
        emulator.app, host=host, port=port, log_level="critical", lifespan="off", timeout_keep_alive=30
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"emulator-{kind}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"the {kind} emulator did not start on {host}:{port}")
        time.sleep(0.01)
    return RunningEmulator(kind, emulator, server, thread, f"http://{host}:{port}")
