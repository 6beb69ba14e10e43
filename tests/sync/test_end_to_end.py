"""End to end against the emulators, with the real parts: listings and their offers, the ledger, channel
order ingest (orders and bookings), the outbox, the worker (in a thread, or ``truecount worker`` in its
own process) and the webhook route served over HTTP. Faults, kills and replayed webhooks never leave a
channel wrong nor an order booked twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from tests import factories as f
from tests.sync.conftest import ApiServers, channel_config, state, wait_for
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import merchants
from truecount.adapters.db.tables.channels import channels
from truecount.adapters.db.tables.orders import bookings, order_lines, orders
from truecount.adapters.db.tables.sync import channel_order_events, listing_sync, push_queue, webhook_deliveries
from truecount.domain.commands import AddProduct, CreateChannel, PostMovement, VariantSpec
from truecount.emulators.runner import RunningEmulator
from truecount.services.catalog import records as catalog
from truecount.services.channels.setup import create_channel
from truecount.services.common import availability
from truecount.services.common.scope import Scope
from truecount.services.offers.listings import add_listing, link_many
from truecount.services.stock.levels import stock
from truecount.services.stock.movements import record_movement
from truecount.services.sync.reconcile import Drift, reconcile
from truecount.services.sync.status import sync_status
from truecount.services.sync.worker import WorkerOptions, start_in_background

REFS = {"shopify": "101@7", "amazon": "MUG", "ebay": "MUG", "woocommerce": "55"}
WEBHOOK_KINDS = ("shopify", "woocommerce")


@dataclass
class Shop:
    db: Database
    scope: Scope
    emu: dict[str, RunningEmulator]

    def shown(self) -> dict[str, Any]:
        """MUG's quantity on each channel, as the channel itself shows it."""
        return {kind: state(self.emu[kind])["listings"].get(ref) for kind, ref in REFS.items()}  # type: ignore[attr-defined]

    def everywhere(self, quantity: int) -> bool:
        return set(self.shown().values()) == {quantity}

    def settled(self, quantity: int) -> bool:
        """Every channel shows ``quantity`` and the worker has recorded every push."""
        return self.everywhere(quantity) and all(row.queue_depth == 0 for row in sync_status(self.db, self.scope))

    def level(self) -> tuple[int, int, int]:
        """MUG at WH1: (on hand, booked, available), from the ledger's projection."""
        [row] = stock(self.db, self.scope, "MUG")
        return row.on_hand, row.booked, row.available

    def booked_orders(self) -> dict[str, list[tuple[str, int]]]:
        """Per channel: each order's external id and the units booked for it."""
        with self.db.read() as conn:
            rows = conn.execute(
                select(channels.c.code, orders.c.external_id, func.coalesce(func.sum(bookings.c.quantity), 0))
                .join(channels, channels.c.id == orders.c.channel_id)
                .join(order_lines, order_lines.c.order_id == orders.c.id)
                .outerjoin(bookings, bookings.c.order_line_id == order_lines.c.id)
                .where(orders.c.merchant_id == self.scope.merchant_id)
                .group_by(channels.c.code, orders.c.external_id)
                .order_by(channels.c.code, orders.c.external_id)
            )
            found: dict[str, list[tuple[str, int]]] = {}
            for code, external_id, units in rows:
                found.setdefault(str(code), []).append((str(external_id), int(units)))
            return found

    def queued(self) -> list[int]:
        """The quantities waiting in the push queue (one row per listing)."""
        with self.db.read() as conn:
            query = select(push_queue.c.quantity).where(push_queue.c.merchant_id == self.scope.merchant_id)
            return sorted(int(q) for q in conn.execute(query).scalars())

    def count(self, table: Any) -> int:
        with self.db.read() as conn:
            return int(
                conn.execute(select(func.count()).where(table.c.merchant_id == self.scope.merchant_id)).scalar_one()
            )


def build_shop(db: Database, scope: Scope, emu: dict[str, RunningEmulator], **extra: Any) -> Shop:
    """10 MUG at WH1, listed on all four channels (Amazon by interval feeds, the others immediately)."""
    f.location(db, scope, "WH1")
    f.variant(db, scope, "MUG")
    f.receive(db, scope, "MUG", 10, "WH1")
    for kind, ref in REFS.items():
        config = channel_config(kind, emu[kind].url, order_poll_s=0.2, **extra)
        push = "interval" if kind == "amazon" else "immediate"
        create_channel(db, scope, CreateChannel(kind, kind, ["WH1"], push=push, push_interval_s=1, config=config))
        assert add_listing(db, scope, kind, "MUG", ref).quantity == 10  # its offer, queued for push
    return Shop(db, scope, emu)


def sell(emulator: RunningEmulator, ref: str, quantity: int) -> dict[str, Any]:
    """A sale on the channel; the channel names the line by the listing's SKU, MUG."""
    lines = [{"ref": ref, "sku": "MUG", "quantity": quantity}]
    answer = httpx.post(emulator.url + "/_emulator/orders", json={"lines": lines})
    answer.raise_for_status()
    result: dict[str, Any] = answer.json()
    return result


def worker_options(scope: Scope) -> WorkerOptions:
    return WorkerOptions(poll_interval_s=0.05, lease_s=5.0, channel_refresh_s=0.1, merchant_id=scope.merchant_id)


@pytest.fixture
def worker(db: Database, scope: Scope) -> Iterator[None]:
    stop = start_in_background(db, worker_options(scope))
    yield
    stop()


def test_sales_polled_from_amazon_and_ebay_are_booked_and_every_channel_shows_the_rest(
    db: Database, scope: Scope, emu: dict[str, RunningEmulator], worker: None
) -> None:
    shop = build_shop(db, scope, emu)
    assert wait_for(lambda: shop.everywhere(10), 15), shop.shown()
    amazon_order = sell(emu["amazon"], "MUG", 1)["order"]["id"]  # Amazon: an interval channel (feeds)
    ebay_order = sell(emu["ebay"], "MUG", 2)["order"]["id"]
    assert wait_for(lambda: shop.settled(7), 15), (shop.shown(), shop.queued())
    assert shop.booked_orders() == {"amazon": [(amazon_order, 1)], "ebay": [(ebay_order, 2)]}
    assert shop.level() == (10, 3, 7)
    assert all(row.last_success_at for row in sync_status(db, scope))


def test_with_30_percent_faults_everything_converges_without_a_rate_limit_violation(
    db: Database, scope: Scope, emu: dict[str, RunningEmulator]
) -> None:
    faults = {"error_rate": 0.1, "timeout_rate": 0.1, "drop_rate": 0.1, "stale_rate": 0.1, "timeout_s": 1.0, "seed": 5}
    for emulator in emu.values():
        httpx.put(emulator.url + "/_emulator/faults", json=faults).raise_for_status()
    shop = build_shop(db, scope, emu, timeout_s=0.5)
    stop = start_in_background(db, worker_options(scope))
    try:
        amazon_order = sell(emu["amazon"], "MUG", 1)["order"]["id"]  # seen by polling, through the faults
        ebay_order = sell(emu["ebay"], "MUG", 2)["order"]["id"]
        assert wait_for(lambda: shop.settled(7), 40), (shop.shown(), shop.queued())
    finally:
        stop()
    assert shop.booked_orders() == {"amazon": [(amazon_order, 1)], "ebay": [(ebay_order, 2)]}  # each booked once
    assert shop.level() == (10, 3, 7)
    assert {kind: state(e)["violations_total"] for kind, e in emu.items()} == dict.fromkeys(emu, 0)
    assert all(int(state(e)["requests"]) > 0 for e in emu.values())  # type: ignore[call-overload]
    assert all(row.last_success_at for row in sync_status(db, scope))


def listed_everywhere(
    db: Database, scope: Scope, emu: dict[str, RunningEmulator], n: int
) -> tuple[list[str], dict[str, list[str]]]:
    """``n`` variants, each listed on eBay and Shopify and received 10 at WH1 in one act: the SKUs, the refs
    per channel."""
    skus = [f"MUG-{i}" for i in range(n)]
    refs = {"ebay": skus, "shopify": [f"{200 + i}@7" for i in range(n)]}
    f.location(db, scope, "WH1")
    catalog.add_product(db, scope, AddProduct("Mugs", [VariantSpec(sku) for sku in skus]))
    for kind, kind_refs in refs.items():
        create_channel(db, scope, CreateChannel(kind, kind, ["WH1"], config=channel_config(kind, emu[kind].url)))
        with db.write() as conn:
            link_many(conn, scope.merchant_id, kind, list(zip(skus, kind_refs, strict=True)))
    adjust_all(db, scope, skus, "receive", 10)
    return skus, refs


def adjust_all(db: Database, scope: Scope, skus: list[str], kind: str, quantity: int) -> None:
    """One movement per SKU at WH1, all in one transaction (offers recomputed once, at the end)."""
    with db.write() as conn, availability.batched(conn, scope.merchant_id):
        for sku in skus:
            record_movement(conn, scope, PostMovement(kind, sku, "WH1", quantity, reason="test"))


def claimed_rows(db: Database, scope: Scope) -> int:
    with db.read() as conn:
        query = select(func.count()).where(
            push_queue.c.merchant_id == scope.merchant_id, push_queue.c.claimed_by.is_not(None)
        )
        return int(conn.execute(query).scalar_one())


def test_a_worker_killed_mid_batch_and_restarted_converges_on_the_newest_value(
    db: Database, scope: Scope, emu: dict[str, RunningEmulator], tmp_path: Path
) -> None:
    skus, refs = listed_everywhere(db, scope, emu, 40)  # eBay: two calls (25 + 15); Shopify: one mutation
    # every answer comes 1.2 s late (the client waits 2 s), after the write is applied: the kill lands in
    # between; a window wide enough for the test's polling to see on a loaded machine
    for kind in refs:
        faults = {"timeout_rate": 1.0, "timeout_s": 1.2}
        httpx.put(emu[kind].url + "/_emulator/faults", json=faults).raise_for_status()
    with db.read() as conn:
        code = conn.execute(select(merchants.c.code).where(merchants.c.id == scope.merchant_id)).scalar_one()
    command = [str(Path(sys.executable).parent / "truecount"), "--db", db.url, "--merchant", code, "worker"]
    env = {**os.environ, "TRUECOUNT_PUSH_LEASE_S": "2", "TRUECOUNT_WORKER_POLL_INTERVAL_S": "0.05"}
    wanted = {kind: dict.fromkeys(kind_refs, 7) for kind, kind_refs in refs.items()}

    def shown() -> dict[str, dict[str, Any]]:
        listings: dict[str, dict[str, int]] = {kind: state(emu[kind])["listings"] for kind in refs}  # type: ignore[misc]
        return {kind: {ref: listings[kind].get(ref) for ref in kind_refs} for kind, kind_refs in refs.items()}

    def mid_batch() -> bool:  # a batch landed on eBay, its answer not yet back
        return 10 in shown()["ebay"].values() and claimed_rows(db, scope) > 0

    def converged() -> bool:
        return shown() == wanted and claimed_rows(db, scope) == 0 and not Shop(db, scope, emu).queued()

    log = tmp_path / "worker.log"
    with log.open("w") as err:
        first = subprocess.Popen(command, cwd=tmp_path, env=env, stderr=err)
        try:
            assert wait_for(mid_batch, 30), log.read_text()[-3000:]
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait()
        assert claimed_rows(db, scope) > 0  # killed mid-batch: its claims outlive it, their sends unrecorded
        adjust_all(db, scope, skus, "adjust", -3)  # a newer value for every listing: 7
        second = subprocess.Popen(command, cwd=tmp_path, env=env, stderr=err)
        try:
            assert wait_for(converged, 60), (shown(), log.read_text()[-3000:])
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(timeout=30)
    assert shown() == wanted  # nothing older landed after the newest value
    with db.read() as conn:
        pushed = conn.execute(
            select(listing_sync.c.pushed_quantity).where(listing_sync.c.merchant_id == scope.merchant_id)
        )
        assert sorted(int(q) for q in pushed.scalars()) == [7] * 80


def webhook_url(api: ApiServers, shop: Shop, kind: str) -> str:
    with shop.db.read() as conn:
        code = conn.execute(select(merchants.c.code).where(merchants.c.id == shop.scope.merchant_id)).scalar_one()
    return f"{api.url(shop.db)}/api/v1/webhooks/{kind}?merchant={code}"


@pytest.mark.parametrize("kind", WEBHOOK_KINDS)
def test_a_webhook_with_a_bad_signature_is_refused_with_401_and_changes_nothing(
    db: Database, scope: Scope, emu: dict[str, RunningEmulator], api: ApiServers, kind: str
) -> None:
    shop = build_shop(db, scope, emu)
    delivery = sell(emu[kind], REFS[kind], 2)["delivery"]  # signed, but not sent (no webhook URL set yet)
    signature = "X-Shopify-Hmac-Sha256" if kind == "shopify" else "X-WC-Webhook-Signature"
    forged = {**delivery["headers"], signature: "AAAA" + delivery["headers"][signature][4:]}
    attempts = [(delivery["headers"], delivery["body"] + " "), (forged, delivery["body"])]  # body or signature changed
    for headers, body in attempts:
        answer = httpx.post(webhook_url(api, shop, kind), content=body.encode(), headers=headers)
        assert answer.status_code == 401, answer.text
        assert answer.json()["error"]["code"] == "unauthorized"
    assert shop.booked_orders() == {}
    assert shop.level() == (10, 0, 10)
    assert (shop.count(webhook_deliveries), shop.count(channel_order_events)) == (0, 0)
    assert shop.queued() == [10] * 4  # the offers queued at listing, untouched


@pytest.mark.parametrize("kind", WEBHOOK_KINDS)
def test_a_webhook_delivered_five_times_books_the_order_once(
    db: Database, scope: Scope, emu: dict[str, RunningEmulator], api: ApiServers, kind: str
) -> None:
    shop = build_shop(db, scope, emu)
    httpx.put(
        emu[kind].url + "/_emulator/webhook", json={"url": webhook_url(api, shop, kind), "secret": "emulator-secret"}
    ).raise_for_status()
    sold = sell(emu[kind], REFS[kind], 2)
    statuses = [sold["delivery"]["status"]]
    for _ in range(4):  # the channel sends the same delivery again, byte for byte
        redelivered = httpx.post(emu[kind].url + f"/_emulator/deliveries/{sold['delivery']['index']}/redeliver")
        statuses.append(redelivered.raise_for_status().json()["status"])
    assert statuses == [200] * 5
    assert shop.booked_orders() == {kind: [(sold["order"]["id"], 2)]}
    assert shop.level() == (10, 2, 8)
    assert (shop.count(webhook_deliveries), shop.count(channel_order_events)) == (1, 1)
    assert shop.queued() == [8] * 4  # the order's booking recomputed every channel's offer and queued it


def test_reconcile_reports_drift_and_heals_it(
    db: Database, scope: Scope, emu: dict[str, RunningEmulator], worker: None
) -> None:
    shop = build_shop(db, scope, emu)
    assert wait_for(lambda: shop.settled(10), 15), (shop.shown(), shop.queued())
    httpx.put(emu["ebay"].url + "/_emulator/listings/MUG", json={"quantity": 99}).raise_for_status()  # edited on eBay
    [report] = reconcile(db, scope, "ebay")
    assert report.drift == [Drift("MUG", "MUG", 10, 99)]
    assert shop.shown()["ebay"] == 10
    assert reconcile(db, scope, "ebay", heal=False)[0].drift == []
