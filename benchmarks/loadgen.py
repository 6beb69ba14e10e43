"""The load generator: processes of keep-alive HTTP clients, apart from the server's interpreter.

:func:`run_load` starts ``processes`` processes (spawned: they import only the standard library)
with ``clients / processes`` threads each; every thread keeps one HTTP/1.1 connection open
(``http.client``, the lightest client at hand, so the generator steals as little CPU from the
server as it can on a small machine) and posts orders back to back for ``seconds``, after one
warm-up request each. Returns requests per second, orders per second, latency percentiles and the
responses that were not 200/201. :class:`PacedOrders` is one such client in a process of its own
placing an order every 50 ms while something else runs (an import), and keeping each one's wait.

With ``webhook`` (a path and a secret) each request is instead a channel's delivery, as Shopify sends
``orders/create``: a new order of one line, signed with the secret (``X-Shopify-Hmac-Sha256``), its own
``X-Shopify-Webhook-Id``, no bearer token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import multiprocessing
import threading
import time
import uuid
from multiprocessing.synchronize import Event
from queue import Empty
from typing import Any

Result = tuple[list[float], int, int, str]  # latencies (s), orders, errors, first error
Webhook = tuple[str, str]  # the delivery's path (with its query) and the channel's signing secret


def _body(tag: str, n: int, skus: int, batch: int) -> tuple[str, bytes]:
    def order(k: int) -> dict[str, Any]:
        return {
            "channel": "web",
            "external_id": f"{tag}-{n}-{k}",
            "lines": [{"sku": f"B-{(hash(tag) + n * 7919 + k) % skus:04d}", "quantity": 1}],
        }

    if batch:
        return "/api/v1/orders:batch", json.dumps({"orders": [order(k) for k in range(batch)]}).encode()
    return "/api/v1/orders", json.dumps(order(0)).encode()


def _delivery(tag: str, n: int, skus: int, secret: str) -> tuple[bytes, dict[str, str]]:
    """A Shopify ``orders/create`` delivery: its body and the headers Shopify sends with it."""
    order_id = (int(tag[:8], 16) << 24) + n + 1  # a number, new per client and request
    line = {"sku": f"B-{(hash(tag) + n * 7919) % skus:04d}", "quantity": 1}
    body = json.dumps({"id": order_id, "line_items": [line]}).encode()
    signature = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    return body, {
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Hmac-Sha256": signature,
        "X-Shopify-Webhook-Id": f"{tag}-{n}",
    }


def _client(
    port: int,
    token: str,
    seconds: float,
    skus: int,
    batch: int,
    webhook: Webhook | None,
    ready: Any,
    go: Event,
    out: list[Result],
) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    tag = uuid.uuid4().hex[:12]
    headers = {"Content-Type": "application/json"}
    if webhook is None:
        headers["Authorization"] = f"Bearer {token}"
    latencies: list[float] = []
    orders = errors = 0
    first_error = ""

    def post(n: int) -> tuple[int, bytes]:
        if webhook is not None:
            body, signed = _delivery(tag, n, skus, webhook[1])
            conn.request("POST", webhook[0], body, {**headers, **signed})
        else:
            path, body = _body(tag, n, skus, batch)
            conn.request("POST", path, body, {**headers, "Idempotency-Key": f"{tag}-{n}"})
        response = conn.getresponse()
        return response.status, response.read()

    post(-1)  # warm up: the connection is open and the token known before the clock starts
    ready.release()
    go.wait()
    stop_at = time.monotonic() + seconds
    n = 0
    while time.monotonic() < stop_at:
        began = time.perf_counter()
        status, payload = post(n)
        latencies.append(time.perf_counter() - began)
        if status in (200, 201):
            orders += batch or 1
        else:
            errors += 1
            first_error = first_error or f"{status} {payload[:300]!r}"
        n += 1
    conn.close()
    out.append((latencies, orders, errors, first_error))


def _process(
    port: int,
    token: str,
    threads: int,
    seconds: float,
    skus: int,
    batch: int,
    webhook: Webhook | None,
    ready: Any,
    go: Event,
    results: Any,
) -> None:
    out: list[Result] = []
    workers = [
        threading.Thread(target=_client, args=(port, token, seconds, skus, batch, webhook, ready, go, out))
        for _ in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    results.put(out)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2) if ordered else float("nan")


def run_load(
    port: int,
    token: str,
    clients: int,
    seconds: float,
    *,
    skus: int,
    batch: int = 0,
    processes: int = 4,
    webhook: Webhook | None = None,
) -> dict[str, Any]:
    """``clients`` concurrent clients (``batch`` orders a request to ``orders:batch``, else one order
    to ``/orders``; with ``webhook``, signed deliveries of one order each) for ``seconds``; figures
    over all of them."""
    ctx = multiprocessing.get_context("spawn")
    processes = max(1, min(processes, clients))
    ready, go, results = ctx.Semaphore(0), ctx.Event(), ctx.Queue()
    shares = [clients // processes + (1 if i < clients % processes else 0) for i in range(processes)]
    procs = [
        ctx.Process(target=_process, args=(port, token, share, seconds, skus, batch, webhook, ready, go, results))
        for share in shares
    ]
    for proc in procs:
        proc.start()
    deadline = time.monotonic() + 120
    connected = 0
    while connected < clients:
        if ready.acquire(timeout=0.5):
            connected += 1
        elif time.monotonic() > deadline or any(proc.exitcode not in (None, 0) for proc in procs):
            for proc in procs:
                proc.kill()
            raise RuntimeError("the load generator's clients did not connect")
    began = time.monotonic()
    go.set()
    gathered: list[Result] = []
    try:
        for _ in procs:
            gathered += results.get(timeout=seconds + 300)
    except Empty:
        raise RuntimeError("a load generator process did not report") from None
    elapsed = time.monotonic() - began
    for proc in procs:
        proc.join(timeout=30)
    latencies = [x for lat, *_ in gathered for x in lat]
    errors = sum(e for _, _, e, _ in gathered)
    if errors:
        raise RuntimeError(f"{errors} requests failed, e.g. {next(f for *_, f in gathered if f)}")
    return {
        "clients": clients,
        "requests": len(latencies),
        "per_s": round(sum(o for _, o, _, _ in gathered) / elapsed, 1),
        "p50_ms": _pct(latencies, 0.50),
        "p99_ms": _pct(latencies, 0.99),
    }


def _paced(
    port: int, token: str, interval: float, skus: list[str], channel: str, ready: Any, stop: Event, results: Any
) -> None:
    """One keep-alive client: an order of one line, then ``interval`` seconds' pause, until ``stop``."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    tag = uuid.uuid4().hex[:12]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    waits: list[float] = []
    errors, first_error = 0, ""

    def post(n: int) -> tuple[int, bytes]:
        order = {
            "channel": channel,
            "external_id": f"{tag}-{n}",
            "lines": [{"sku": skus[n % len(skus)], "quantity": 1}],
        }
        conn.request("POST", "/api/v1/orders", json.dumps(order).encode(), {**headers, "Idempotency-Key": f"{tag}-{n}"})
        response = conn.getresponse()
        return response.status, response.read()

    post(-1)  # warm up: the connection is open and the token known
    ready.release()
    n = 0
    while not stop.is_set():
        began = time.perf_counter()
        status, payload = post(n)
        waits.append(time.perf_counter() - began)
        if status not in (200, 201):
            errors += 1
            first_error = first_error or f"{status} {payload[:300]!r}"
        n += 1
        stop.wait(interval)
    conn.close()
    results.put((waits, errors, first_error))


class PacedOrders:
    """``with PacedOrders(port, token, skus=[…]) as orders:`` one client in a process of its own posts an
    order of one line to ``POST /api/v1/orders`` every ``interval`` seconds (after each answer) while the
    block runs; afterwards ``orders.waits`` holds how long each took (seconds). A refused order fails."""

    def __init__(self, port: int, token: str, *, skus: list[str], channel: str = "web", interval: float = 0.05):
        ctx = multiprocessing.get_context("spawn")
        self._ready, self._stop, self._results = ctx.Semaphore(0), ctx.Event(), ctx.Queue()
        args = (port, token, interval, skus, channel, self._ready, self._stop, self._results)
        self._proc = ctx.Process(target=_paced, args=args)
        self.waits: list[float] = []

    def __enter__(self) -> PacedOrders:
        self._proc.start()
        if not self._ready.acquire(timeout=120):
            self._proc.kill()
            raise RuntimeError("the paced orders' client did not connect")
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        try:
            waits, errors, first_error = self._results.get(timeout=660)
        except Empty:
            self._proc.kill()
            raise RuntimeError("the paced orders' client did not report") from None
        self._proc.join(timeout=30)
        if errors:
            raise RuntimeError(f"{errors} orders failed during the run, e.g. {first_error}")
        self.waits = waits
