"""The sync worker drains the fulfilment outbox on SQLite and PostgreSQL, against the running emulators:
every channel gets its fulfilment once (also through injected failures and lost answers), a refusal is
kept with the channel's error, and the status (service, API, CLI) counts what is queued, failing, refused."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from tests import factories as f
from tests.api_factories import client_for
from tests.sync.conftest import channel_config, state, wait_for
from truecount.adapters.channels.base import FulfilmentItem, FulfilmentLine
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import merchants
from truecount.domain.commands import CreateChannel
from truecount.emulators.runner import RunningEmulator
from truecount.entrypoints.api.app import create_app
from truecount.entrypoints.cli.main import app as cli_app
from truecount.services.channels.setup import create_channel
from truecount.services.common.scope import Scope
from truecount.services.sync.fulfilments import fulfilments, queue_fulfilment
from truecount.services.sync.status import SyncStatus, sync_status
from truecount.services.sync.worker import WorkerOptions, start_in_background
from truecount.settings import Settings

KINDS = ["shopify", "amazon", "ebay", "woocommerce"]
REFS = {"shopify": ("11@7", "12@7"), "amazon": ("MUG", "CAP"), "ebay": ("MUG", "CAP"), "woocommerce": ("31", "40/41")}
ORDER_IDS = {"shopify": "5001", "amazon": "113-0000001-0000001", "ebay": "12-00001-00001", "woocommerce": "7001"}


def options(scope: Scope) -> WorkerOptions:
    return WorkerOptions(poll_interval_s=0.05, lease_s=5.0, channel_refresh_s=0.1, merchant_id=scope.merchant_id)


@pytest.fixture
def worker(db: Database, scope: Scope) -> Iterator[None]:
    stop = start_in_background(db, options(scope))
    yield
    stop()


def connect(db: Database, scope: Scope, emu: dict[str, RunningEmulator], **extra: Any) -> dict[str, int]:
    """The four channels, connected to their emulators; their ids."""
    f.location(db, scope, "WH1")
    ids = {}
    for kind in KINDS:
        config = channel_config(kind, emu[kind].url, order_poll_s=3600, **extra)
        push = "interval" if kind == "amazon" else "immediate"
        ids[kind] = create_channel(db, scope, CreateChannel(kind, kind, ["WH1"], push=push, config=config)).id
    return ids


def sell(emu: RunningEmulator, kind: str) -> str:
    mug, cap = REFS[kind]
    lines = [{"ref": mug, "sku": "MUG", "quantity": 2}, {"ref": cap, "sku": "CAP", "quantity": 1}]
    httpx.post(emu.url + "/_emulator/orders", json={"id": ORDER_IDS[kind], "lines": lines}).raise_for_status()
    return ORDER_IDS[kind]


def queue(db: Database, scope: Scope, channel_id: int, order: str, key: str, lines: list[tuple[str, int]], *,
          complete: bool, tracking: str = "1Z0001") -> None:  # fmt: skip
    item = FulfilmentItem(order, key, "UPS", tracking, tuple(FulfilmentLine(s, q) for s, q in lines), complete)
    with db.write() as conn:
        queue_fulfilment(conn, scope.merchant_id, channel_id, item)


def book(emu: RunningEmulator) -> dict[str, Any]:
    found: dict[str, Any] = httpx.get(emu.url + "/_emulator/fulfilments").json()
    return found


def states(db: Database, scope: Scope) -> dict[str, str]:
    with db.read() as conn:
        return {r.key: r.state for r in fulfilments(conn, scope.merchant_id)}


def status_of(db: Database, scope: Scope) -> dict[str, SyncStatus]:
    return {row.channel: row for row in sync_status(db, scope)}


def test_the_worker_pushes_each_queued_fulfilment_to_its_channel_once(
    db: Database, scope: Scope, emu: dict[str, RunningEmulator], worker: None
) -> None:
    ids = connect(db, scope, emu)
    for kind in KINDS:
        order = sell(emu[kind], kind)
        queue(db, scope, ids[kind], order, f"{kind}:1", [("MUG", 1)], complete=False, tracking="1Z0001")
        queue(db, scope, ids[kind], order, f"{kind}:2", [("MUG", 1), ("CAP", 1)], complete=True, tracking="1Z0002")
    assert wait_for(lambda: set(states(db, scope).values()) == {"pushed"}, 30), states(db, scope)
    for kind in KINDS:
        seen = book(emu[kind])
        if kind == "woocommerce":
            assert len(seen["notes"][ORDER_IDS[kind]]) == 2 and seen["statuses"] == {ORDER_IDS[kind]: "completed"}
        else:
            assert [r["tracking"] for r in seen["fulfilments"]] == ["1Z0001", "1Z0002"]
            assert seen["fulfilled"][ORDER_IDS[kind]] == {f"{ORDER_IDS[kind]}-1": 2, f"{ORDER_IDS[kind]}-2": 1}
    rows = status_of(db, scope)
    assert {
        k: (r.fulfilments_queued, r.fulfilments_pushed, r.fulfilments_refused) for k, r in rows.items()
    } == dict.fromkeys(KINDS, (0, 2, 0))
    assert all(state(e)["violations_total"] == 0 for e in emu.values())


def test_a_fulfilment_the_channel_refuses_is_kept_refused_with_its_error_and_shown_in_the_status(
    db: Database, scope: Scope, emu: dict[str, RunningEmulator], worker: None
) -> None:
    ids = connect(db, scope, emu)
    sell(emu["ebay"], "ebay")
    queue(db, scope, ids["ebay"], "99-99999-99999", "unknown", [("MUG", 1)], complete=True)
    queue(db, scope, ids["ebay"], ORDER_IDS["ebay"], "too-many", [("MUG", 5)], complete=True, tracking="1Z0009")
    assert wait_for(lambda: states(db, scope) == {"unknown": "refused", "too-many": "refused"}, 20), states(db, scope)
    with db.read() as conn:
        refused = {r.key: r.last_error for r in fulfilments(conn, scope.merchant_id)}
    assert "32100" in str(refused["unknown"])  # eBay's own error
    assert "MUG" in str(refused["too-many"])
    assert book(emu["ebay"])["fulfilments"] == []
    row = status_of(db, scope)["ebay"]
    assert (row.fulfilments_refused, row.fulfilments_queued, row.fulfilments_summary) == (2, 0, "2 refused")
    assert row.last_fulfilment_error in refused.values()
    api = client_for(create_app(Settings(), db), db, scope)
    [shown] = [r for r in api.get("/api/v1/sync/status").json() if r["channel"] == "ebay"]
    assert (shown["fulfilments_refused"], shown["fulfilments_pushed"]) == (2, 0)
    assert shown["last_fulfilment_error"] == row.last_fulfilment_error


def test_through_failures_and_lost_answers_each_fulfilment_reaches_its_channel_exactly_once(
    db: Database, scope: Scope, emu: dict[str, RunningEmulator]
) -> None:
    faults = {"error_rate": 0.15, "timeout_rate": 0.15, "drop_rate": 0.1, "timeout_s": 1.0, "seed": 11}
    ids = connect(db, scope, emu, timeout_s=0.5)
    for kind in KINDS:
        order = sell(emu[kind], kind)
        queue(db, scope, ids[kind], order, f"{kind}:1", [("MUG", 1)], complete=False, tracking="1Z0001")
        queue(db, scope, ids[kind], order, f"{kind}:2", [("MUG", 1), ("CAP", 1)], complete=True, tracking="1Z0002")
    for emulator in emu.values():
        httpx.put(emulator.url + "/_emulator/faults", json=faults).raise_for_status()
    stop = start_in_background(db, options(scope))
    try:
        assert wait_for(lambda: set(states(db, scope).values()) == {"pushed"}, 90), states(db, scope)
    finally:
        stop()
    for kind in KINDS:
        seen = book(emu[kind])
        if kind == "woocommerce":
            notes = [n["note"] for n in seen["notes"][ORDER_IDS[kind]]]
            assert sorted("1Z0001" in n for n in notes) == [False, True] and len(notes) == 2, notes
        else:
            assert sorted(r["tracking"] for r in seen["fulfilments"]) == ["1Z0001", "1Z0002"], seen["fulfilments"]
    assert sum(int(state(e)["requests"]) for e in emu.values()) > 0  # type: ignore[call-overload]
    assert all(state(e)["violations_total"] == 0 for e in emu.values())


def test_fulfilments_waiting_and_refused_show_on_the_command_line_and_the_channels_page(
    db: Database, scope: Scope, emu: dict[str, RunningEmulator]
) -> None:
    ids = connect(db, scope, emu)
    queue(db, scope, ids["shopify"], "5001", "waiting", [("MUG", 1)], complete=True)
    queue(db, scope, ids["shopify"], "5002", "waiting-too", [("MUG", 1)], complete=True, tracking="1Z0002")
    with db.read() as conn:
        code = conn.execute(select(merchants.c.code).where(merchants.c.id == scope.merchant_id)).scalar_one()
    cli = CliRunner().invoke(cli_app, ["--db", db.url, "--merchant", code, "sync", "status"], env={"COLUMNS": "250"})
    assert cli.exit_code == 0, cli.output
    [line] = [line for line in cli.output.splitlines() if line.strip("│ ").startswith("shopify")]
    assert "2 queued" in line
    as_json = CliRunner().invoke(cli_app, ["--db", db.url, "--merchant", code, "sync", "status", "--json"])
    [shopify] = [r for r in json.loads(as_json.output) if r["channel"] == "shopify"]
    assert (shopify["fulfilments_queued"], shopify["fulfilments_refused"]) == (2, 0)
    page = client_for(create_app(Settings(), db), db, scope, "viewer").get("/channels").text
    row = page.split('data-channel="shopify"', 1)[1].split("</tr>", 1)[0]
    assert '<td class="fulfilments"' in row and "2 queued" in row
