"""Sync benchmarks, against the local emulators (real HTTP on loopback).

1. ``sale_to_channel_latency``: from a stock change (``adjust -1``) until each ``immediate``
   channel's API (Shopify, eBay, WooCommerce) took the new quantity (the emulator's own stamp), and
   until all had; worker poll interval 0.05 s; sales 0.25 s apart. p50/p99. Run twice per backend,
   back to back: with the emulators' credential checks off, and with them enforced and access tokens
   that expire every ``BENCH_SYNC_TOKEN_LIFETIME_S`` (2 s), so tokens are refreshed during the run
   (the rows say how many were issued).
2. ``pushes_per_s``: listings pushed per second by each connector against its emulator's default
   (documented) rate model, and the rate-limit violations the emulator counted (should be 0).
3. ``queue_drain``: 10,000 offered-quantity changes (5 per listing over 2,000 WooCommerce
   listings) queued through the outbox (``queue_pushes``, 500 per transaction), then the time for
   one worker to drain the queue. Also the cost of one ``queue_push`` call (2,000 of them, one
   transaction) next to ``queue_pushes`` per item.

Sizes: ``BENCH_SYNC_BACKENDS`` (``sqlite,postgresql``), ``BENCH_SYNC_SALES`` (30; 3 is a quick check),
``BENCH_SYNC_ONLY`` (``latency`` or ``drain``: that part alone). ``python -m benchmarks sync``.
"""

from __future__ import annotations

import os
import time
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import delete, func, insert, select

from benchmarks._setup import bulk_catalogue, fresh_database
from benchmarks._size import SMOKE, size
from benchmarks._size import backends as chosen_backends
from truecount.adapters.channels import connector_for
from truecount.adapters.channels.auth import forget_tokens
from truecount.adapters.channels.base import PushItem
from truecount.adapters.db.tables.channels import channels
from truecount.adapters.db.tables.offers import listings
from truecount.adapters.db.tables.sync import push_queue
from truecount.domain.commands import AddLocation, AddProduct, CreateChannel, PostMovement, VariantSpec
from truecount.emulators.auth import CREDENTIALS
from truecount.emulators.runner import RunningEmulator, start
from truecount.services.catalog.records import add_location, add_product
from truecount.services.channels.setup import create_channel
from truecount.services.offers.listings import add_listing
from truecount.services.stock.movements import post_movement
from truecount.services.sync import ports as sync_ports
from truecount.services.sync import push_queue as sync_queue
from truecount.services.sync.worker import WorkerOptions, start_in_background

REFS = {"shopify": "101@7", "ebay": "MUG", "woocommerce": "55"}
SALE_SPACING_S = 0.25


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _config(kind: str, url: str) -> dict[str, Any]:
    """A channel's settings for an emulator, with the emulators' credentials (tokens have a lifecycle)."""
    c = CREDENTIALS
    secrets = {
        "client_id": c["client_id"],
        "client_secret": c["client_secret"],
        "refresh_token": c["refresh_token"],
        "lwa_client_id": c["client_id"],
        "lwa_client_secret": c["client_secret"],
        "lwa_token_url": url + "/auth/o2/token",
        "consumer_key": c["consumer_key"],
        "consumer_secret": c["consumer_secret"],
    }
    place = {"location_id": "7", "seller_id": "S", "marketplace_id": "A1F83G8C2ARO7P", "feed_poll_s": 0.2}
    return {"base_url": url, **place, **secrets}


def latency(
    backend: str, emulators: dict[str, RunningEmulator], sales: int, token_lifetime_s: float | None = None
) -> list[dict[str, Any]]:
    """Per sale, the time from the sale until each channel's API took the new quantity (and until
    all of them had), as stamped by the emulators themselves.

    The emulators' stamps make the measurement independent of how often the benchmark looks. It
    used to look every 5 ms with a fresh ``httpx.get`` per channel (a new client and TLS context,
    ~30 ms of CPU each): that load, in the worker's own process, was most of what it reported.
    """
    forget_tokens()  # tokens of an earlier run would outlive this run's short lifetime
    with httpx.Client() as client, fresh_database(backend) as (db, scope, _):
        for emulator in emulators.values():  # a clean shop (no idempotency keys from another backend's run)
            client.post(emulator.url + "/_emulator/reset").raise_for_status()
            checks = {"enforce": False} if token_lifetime_s is None else {"token_lifetime_s": token_lifetime_s}
            client.put(emulator.url + "/_emulator/auth", json=checks).raise_for_status()

        def shown() -> dict[str, tuple[Any, Any]]:
            found = {}
            for kind, ref in REFS.items():
                answer = client.get(emulators[kind].url + "/_emulator/state").json()
                found[kind] = (answer["listings"].get(ref), answer["written_at"].get(ref))
            return found

        add_location(db, scope, AddLocation(code="WH1", name="WH1"))
        add_product(db, scope, AddProduct("Mug", [VariantSpec(sku="MUG")]))
        post_movement(db, scope, PostMovement("receive", "MUG", "WH1", 1000))
        for kind, ref in REFS.items():
            create_channel(db, scope, CreateChannel(kind, kind, ["WH1"], config=_config(kind, emulators[kind].url)))
            add_listing(db, scope, kind, "MUG", ref)
        stop = start_in_background(db, WorkerOptions(poll_interval_s=0.05, lease_s=30, channel_refresh_s=0.1))
        samples: dict[str, list[float]] = {kind: [] for kind in [*REFS, "all"]}
        try:
            _wait(lambda: {quantity for quantity, _ in shown().values()} == {1000}, 30)
            for n in range(1, sales + 1):
                # One sale per 0.25 s at most: eBay takes 5 calls/s, so faster sales would measure its rate limit.
                time.sleep(SALE_SPACING_S)
                sold_at = time.time()
                post_movement(db, scope, PostMovement("adjust", "MUG", "WH1", -1, reason="sale"))
                _wait(lambda n=n: {quantity for quantity, _ in shown().values()} == {1000 - n}, 30, every_s=0.02)
                took = {kind: (written_at - sold_at) * 1000 for kind, (_, written_at) in shown().items()}
                for kind, ms in took.items():
                    samples[kind].append(ms)
                samples["all"].append(max(took.values()))
            issued = {kind: client.get(emulators[kind].url + "/_emulator/state").json() for kind in REFS}
        finally:
            stop()
    auth = "off" if token_lifetime_s is None else f"enforced, tokens of {token_lifetime_s:g} s"
    return [
        {
            "benchmark": "sync.sale_to_channel_latency",
            "backend": backend,
            "auth": auth,
            "channel": kind,
            "sales": sales,
            "p50_ms": round(_pct(values, 50), 1),
            "p99_ms": round(_pct(values, 99), 1),
            "tokens_issued": issued[kind]["tokens_issued"] if kind in issued else None,
            "auth_failures": issued[kind]["auth_failures_total"] if kind in issued else None,
        }
        for kind, values in samples.items()
    ]


def _wait(condition: Any, deadline_s: float, every_s: float = 0.005) -> None:
    end = time.monotonic() + deadline_s
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError("the channels did not converge")
        time.sleep(every_s)


def pushes_per_s() -> list[dict[str, Any]]:
    cases = [
        ("shopify", {}, 2000, "inventorySetQuantities, 100 per mutation"),
        ("amazon", {}, 40, "patchListingsItem, one per listing"),
        ("amazon", {"use_feeds": True}, 2000, "JSON_LISTINGS_FEED (2 s processing)"),
        ("ebay", {}, 500, "bulk_update_price_quantity, 25 per call"),
        ("woocommerce", {}, 2000, "products/batch, 100 per call"),
    ]
    rows = []
    for kind, extra, full_count, how in cases:
        count = 3 if SMOKE else full_count
        emulator = start(kind)
        try:
            connector = connector_for(kind, {**_config(kind, emulator.url), **extra})
            items = [
                PushItem(f"{n + 1}" if kind in ("shopify", "woocommerce") else f"SKU-{n}", 5, None, f"k{n}")
                for n in range(count)
            ]
            began = time.perf_counter()
            results = connector.push(items)
            elapsed = time.perf_counter() - began
            connector.close()
            violations = httpx.get(emulator.url + "/_emulator/state").json()["violations_total"]
        finally:
            emulator.stop()
        rows.append(
            {
                "benchmark": "sync.pushes_per_s",
                "channel": kind,
                "how": how,
                "listings": count,
                "ok": sum(r.ok for r in results),
                "seconds": round(elapsed, 2),
                "per_s": round(count / elapsed, 1),
                "violations": violations,
            }
        )
    return rows


DRAIN_CHANGES = size("BENCH_SYNC_CHANGES", 10_000, 40)
DRAIN_LISTINGS = size("BENCH_SYNC_LISTINGS", 2_000, 8)


def queue_drain(backend: str, changes: int = DRAIN_CHANGES, listing_count: int = DRAIN_LISTINGS) -> dict[str, Any]:
    emulator = start("woocommerce")
    try:
        with fresh_database(backend) as (db, scope, _):
            var_ids, _locs = bulk_catalogue(db, scope, listing_count, 1)
            channel = create_channel(
                db, scope, CreateChannel("woo", "woocommerce", ["LOC-0"], config=_config("woocommerce", emulator.url))
            )
            with db.write() as conn:
                conn.execute(
                    insert(listings),
                    [
                        {
                            "merchant_id": scope.merchant_id,
                            "channel_id": channel.id,
                            "variant_id": vid,
                            "external_ref": str(n + 1),
                            "ref_detail": "{}",
                            "created_at": datetime.now(),
                        }
                        for n, vid in enumerate(var_ids)
                    ],
                )
                ids = [
                    int(i)
                    for i in conn.execute(
                        select(listings.c.id).where(listings.c.merchant_id == scope.merchant_id)
                    ).scalars()
                ]
            sync_ports.use(directory=sync_ports.SqlListingDirectory())
            single_ms = _queue_one_by_one(db, scope.merchant_id, ids)
            began = time.perf_counter()
            per_txn = 500
            pairs = [(ids[n % len(ids)], n) for n in range(changes)]
            for start_at in range(0, len(pairs), per_txn):
                with db.write() as conn:  # the offers work queues a movement's pushes in one batch
                    batch = pairs[start_at : start_at + per_txn]
                    sync_queue.queue_pushes(conn, scope.merchant_id, [(i, q % 1000) for i, q in batch])
            queued_s = time.perf_counter() - began
            began = time.perf_counter()
            stop = start_in_background(db, WorkerOptions(poll_interval_s=0.02, lease_s=60, channel_refresh_s=0.1))
            try:
                _wait(lambda: _depth(db, scope.merchant_id) == 0, 300)
            finally:
                stop()
            drained_s = time.perf_counter() - began
            with db.read() as conn:
                active = conn.execute(select(func.count()).select_from(channels)).scalar()
    finally:
        emulator.stop()
    return {
        "benchmark": "sync.queue_drain",
        "backend": backend,
        "changes": changes,
        "listings": listing_count,
        "channels": active,
        "queue_push_ms": round(single_ms, 3),
        "queue_pushes_ms_per_item": round(queued_s * 1000 / changes, 3),
        "queue_s": round(queued_s, 2),
        "drain_s": round(drained_s, 2),
    }


def _queue_one_by_one(db: Any, merchant_id: int, ids: list[int]) -> float:
    """Milliseconds per ``queue_push`` call (one listing at a time, all in one transaction, so the
    commit is not what is measured); the queue is emptied again afterwards."""
    began = time.perf_counter()
    with db.write() as conn:
        for n, listing_id in enumerate(ids):
            sync_queue.queue_push(conn, merchant_id, listing_id, n % 1000)
    took = (time.perf_counter() - began) * 1000 / len(ids)
    with db.write() as conn:
        conn.execute(delete(push_queue).where(push_queue.c.merchant_id == merchant_id))
    return took


def _depth(db: Any, merchant_id: int) -> int:
    with db.read() as conn:
        return int(conn.execute(select(func.count()).where(push_queue.c.merchant_id == merchant_id)).scalar_one())


def run() -> list[dict[str, Any]]:
    backends = chosen_backends("BENCH_SYNC_BACKENDS")
    sales = size("BENCH_SYNC_SALES", 30, 2)
    lifetime = float(os.environ.get("BENCH_SYNC_TOKEN_LIFETIME_S", "2"))
    only = os.environ.get("BENCH_SYNC_ONLY")
    if only == "drain":
        return [queue_drain(backend) for backend in backends]
    emulators = {kind: start(kind) for kind in REFS}
    rows: list[dict[str, Any]] = []
    try:
        for backend in backends:
            rows += latency(backend, emulators, sales)  # credentials not checked: the figure before
            rows += latency(backend, emulators, sales, token_lifetime_s=lifetime)
    finally:
        for emulator in emulators.values():
            emulator.stop()
    if only == "latency":
        return rows
    rows += pushes_per_s()
    rows += [queue_drain(backend) for backend in backends]
    return rows


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2, default=str))
