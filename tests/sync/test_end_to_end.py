"""End to end against the emulators: sales on one channel reach every other; faults, kills and
replayed webhooks never leave a channel wrong."""

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
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests import factories as f
from tests.sync.conftest import channel_config, state, wait_for
from tests.sync.fakes import LISTINGS, LedgerSink, install, pool
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.sync import webhook_deliveries
from truecount.domain.errors import Unauthorized
from truecount.emulators.runner import RunningEmulator
from truecount.services.channels import CreateChannel, create_channel
from truecount.services.scope import Scope
from truecount.services.sync_ingest import handle_webhook
from truecount.services.sync_reconcile import reconcile, sync_status
from truecount.services.sync_worker import WorkerOptions, start_in_background

ROOT = Path(__file__).resolve().parents[2]
REFS = {"shopify": "101", "amazon": "MUG", "ebay": "MUG", "woocommerce": "55"}
SHOWN = {"shopify": "101@7", "amazon": "MUG", "ebay": "MUG", "woocommerce": "55"}


@dataclass
class Shop:
    db: Database
    scope: Scope
    emu: dict[str, RunningEmulator]
    sink: LedgerSink
    listings: dict[str, int]

    def shown(self, kind: str, ref: str | None = None) -> Any:
        return state(self.emu[kind])["listings"].get(ref or SHOWN[kind])  # type: ignore[attr-defined]

    def everywhere(self, quantity: int) -> bool:
        return all(self.shown(kind) == quantity for kind in SHOWN)

    def settled(self, quantity: int) -> bool:
        """Every channel shows ``quantity`` and the worker has recorded every push."""
        return self.everywhere(quantity) and all(row["queue_depth"] == 0 for row in sync_status(self.db, self.scope))


def build_shop(db: Database, scope: Scope, emu: dict[str, RunningEmulator], **extra: Any) -> Shop:
    sink = install()
    f.location(db, scope, "WH1")
    f.variant(db, scope, "MUG")
    listings = {}
    for kind in SHOWN:
        config = channel_config(kind, emu[kind].url, order_poll_s=0.2, **extra)
        push = "interval" if kind == "amazon" else "immediate"
        channel = create_channel(
            db, scope, CreateChannel(kind, kind, ["WH1"], push=push, push_interval_s=1, config=config)
        )
        listings[kind] = LISTINGS.add(db, scope.merchant_id, channel["id"], REFS[kind], "MUG")
    f.receive(db, scope, "MUG", 10, "WH1")  # queues 10 for every listing through the outbox
    return Shop(db, scope, emu, sink, listings)


@pytest.fixture
def worker(scope: Scope) -> Iterator[None]:
    stop = start_in_background(
        _db_of(scope),
        WorkerOptions(poll_interval_s=0.05, lease_s=5.0, channel_refresh_s=0.1, merchant_id=scope.merchant_id),
    )
    yield
    stop()


_DBS: dict[int, Database] = {}


@pytest.fixture(autouse=True)
def _remember_db(db: Database, scope: Scope) -> None:
    _DBS[scope.merchant_id] = db


def _db_of(scope: Scope) -> Database:
    return _DBS[scope.merchant_id]


def debug(shop: Shop) -> dict[str, Any]:
    with shop.db.read() as conn:
        held = pool(conn, shop.scope.merchant_id, "MUG")
    from truecount.adapters.db.tables.sync import listing_sync

    with shop.db.read() as conn:
        eights = conn.execute(select(listing_sync).where(listing_sync.c.pushed_quantity == 8)).all()
    return {
        "me": shop.scope.merchant_id,
        "db": shop.db.url,
        "pool": held,
        "shown": {k: shop.shown(k) for k in SHOWN},
        "eights": eights,
    }


def sell(emulator: RunningEmulator, ref: str, quantity: int) -> dict[str, Any]:
    answer = httpx.post(emulator.url + "/_emulator/orders", json={"lines": [{"ref": ref, "quantity": quantity}]})
    answer.raise_for_status()
    result: dict[str, Any] = answer.json()
    return result


def test_sales_polled_from_amazon_and_ebay_reach_every_channel(
    db: Database, scope: Scope, emu: dict[str, RunningEmulator], worker: None
) -> None:
    shop = build_shop(db, scope, emu)
    assert wait_for(lambda: shop.everywhere(10), 15), {k: shop.shown(k) for k in SHOWN}
    sell(emu["amazon"], "MUG", 1)
    sell(emu["ebay"], "MUG", 2)
    assert wait_for(lambda: shop.everywhere(7), 15), {k: shop.shown(k) for k in SHOWN}
    with db.read() as conn:
        assert pool(conn, scope.merchant_id, "MUG") == 7
    status = {row["channel"]: row for row in sync_status(db, scope)}
    assert all(row["queue_depth"] == 0 and row["last_success_at"] for row in status.values())


def test_with_30_percent_faults_everything_converges_without_a_rate_limit_violation(
    db: Database, scope: Scope, emu: dict[str, RunningEmulator]
) -> None:
    faults = {"error_rate": 0.1, "timeout_rate": 0.1, "drop_rate": 0.1, "stale_rate": 0.1, "timeout_s": 1.0, "seed": 5}
    for emulator in emu.values():
        httpx.put(emulator.url + "/_emulator/faults", json=faults).raise_for_status()
    shop = build_shop(db, scope, emu, timeout_s=0.5)
    stop = start_in_background(
        db, WorkerOptions(poll_interval_s=0.05, lease_s=5.0, channel_refresh_s=0.1, merchant_id=scope.merchant_id)
    )
    try:
        sell(emu["amazon"], "MUG", 1)
        sell(emu["ebay"], "MUG", 2)
        assert wait_for(lambda: shop.everywhere(7), 40), {k: shop.shown(k) for k in SHOWN}
    finally:
        stop()
    assert {kind: state(e)["violations_total"] for kind, e in emu.items()} == dict.fromkeys(emu, 0)
    assert sum(int(state(e)["requests"]) for e in emu.values()) > 0  # type: ignore[call-overload]


def test_a_worker_killed_mid_batch_and_restarted_converges_on_the_newest_value(
    db: Database, scope: Scope, emu: dict[str, RunningEmulator], tmp_path: Path
) -> None:
    sink = install()
    f.location(db, scope, "WH1")
    f.variant(db, scope, "MUG")
    refs = {"ebay": [f"MUG-{n}" for n in range(40)], "shopify": [f"{200 + n}" for n in range(40)]}
    for kind, kind_refs in refs.items():
        channel = create_channel(
            db, scope, CreateChannel(kind, kind, ["WH1"], config=channel_config(kind, emu[kind].url))
        )
        for ref in kind_refs:
            LISTINGS.add(db, scope.merchant_id, channel["id"], ref, "MUG")
    assert sink is not None
    for emulator in emu.values():  # slow answers, so the kill lands while batches are in flight
        httpx.put(emulator.url + "/_emulator/faults", json={"timeout_rate": 0.5, "timeout_s": 0.3}).raise_for_status()
    f.receive(db, scope, "MUG", 10, "WH1")
    listings_file = tmp_path / "listings.json"
    listings_file.write_text(LISTINGS.dump(db, scope.merchant_id))
    command = [sys.executable, "-m", "tests.sync.worker_process", db.url, str(scope.merchant_id), str(listings_file)]
    first = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert wait_for(lambda: int(state(emu["ebay"])["requests"]) > 0, 30)  # type: ignore[call-overload]
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    f.move(db, scope, "adjust", "MUG", "WH1", -3, reason="breakage")  # a newer value: 7
    second = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:

        def converged() -> bool:
            shown = {**state(emu["ebay"])["listings"], **state(emu["shopify"])["listings"]}  # type: ignore[dict-item]
            wanted = refs["ebay"] + [f"{ref}@7" for ref in refs["shopify"]]
            return all(shown.get(ref) == 7 for ref in wanted)

        assert wait_for(converged, 60)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)


def test_a_bad_webhook_signature_is_refused_and_one_delivered_five_times_books_once(
    db: Database, scope: Scope, emu: dict[str, RunningEmulator]
) -> None:
    shop = build_shop(db, scope, emu)
    delivery = sell(emu["shopify"], "101@7", 2)["delivery"]
    forged = {**delivery["headers"], "X-Shopify-Hmac-Sha256": "AAAA" + delivery["headers"]["X-Shopify-Hmac-Sha256"][4:]}
    with pytest.raises(Unauthorized):
        handle_webhook(db, scope, "shopify", forged, delivery["body"].encode())
    with db.read() as conn:
        assert pool(conn, scope.merchant_id, "MUG") == 10
        assert (
            conn.execute(select(func.count()).where(webhook_deliveries.c.merchant_id == scope.merchant_id)).scalar()
            == 0
        )
    # the line's SKU on the emulator is its ref; name it as the shop's SKU
    body = delivery["body"].replace('"sku": "101@7"', '"sku": "MUG"')
    from truecount.emulators.common import hmac_b64

    headers = {**delivery["headers"], "X-Shopify-Hmac-Sha256": hmac_b64("emulator-secret", body.encode())}
    answers = [handle_webhook(db, scope, "shopify", headers, body.encode())["status"] for _ in range(5)]
    assert answers == ["accepted"] + ["duplicate"] * 4
    with db.read() as conn:
        assert pool(conn, scope.merchant_id, "MUG") == 8
    assert shop.sink.applied.count(("shopify", delivery["body"].split('"id": ')[1].split(",")[0], "created")) == 1


def test_the_webhook_route_answers_401_to_a_bad_signature(
    db: Database, scope: Scope, emu: dict[str, RunningEmulator]
) -> None:
    from truecount.entrypoints.api.app import create_app
    from truecount.settings import Settings

    build_shop(db, scope, emu)
    with db.read() as conn:
        from truecount.adapters.db.tables.catalog import merchants

        code = conn.execute(select(merchants.c.code).where(merchants.c.id == scope.merchant_id)).scalar_one()
    delivery = sell(emu["woocommerce"], "55", 1)["delivery"]
    client = TestClient(create_app(Settings(), db))
    bad = client.post(
        f"/api/v1/webhooks/woocommerce?merchant={code}", content=delivery["body"] + " ", headers=delivery["headers"]
    )
    assert bad.status_code == 401
    assert bad.json()["error"]["code"] == "unauthorized"


def test_reconcile_reports_drift_and_heals_it(
    db: Database, scope: Scope, emu: dict[str, RunningEmulator], worker: None
) -> None:
    shop = build_shop(db, scope, emu)
    if not wait_for(lambda: shop.settled(10), 15):
        pytest.fail(str(debug(shop)))
    httpx.put(emu["ebay"].url + "/_emulator/listings/MUG", json={"quantity": 99}).raise_for_status()  # edited on eBay
    [report] = reconcile(db, scope, "ebay")
    assert report["drift"] == [{"sku": "MUG", "external_ref": "MUG", "pushed": 10, "channel": 99}]
    assert shop.shown("ebay") == 10
    assert reconcile(db, scope, "ebay", heal=False)[0]["drift"] == []
