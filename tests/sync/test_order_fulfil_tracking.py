"""An order the seller fulfils with tracking (service, CLI, API) queues a fulfilment push to the channel it came
from, in the same transaction, on SQLite and PostgreSQL; the worker then tells the channel (eBay emulator)."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from tests import factories as f
from tests import order_factories as o
from tests.api_factories import assert_error, client_for
from tests.sync.conftest import channel_config, wait_for
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import merchants
from truecount.domain.errors import InvalidInput
from truecount.domain.fulfilments import Tracking
from truecount.emulators.runner import RunningEmulator
from truecount.entrypoints.api.app import create_app
from truecount.entrypoints.cli.main import app as cli_app
from truecount.services.common.scope import Scope
from truecount.services.orders.channel_fulfilments import fulfil_order
from truecount.services.sync.fulfilments import Fulfilment, fulfilments
from truecount.services.sync.worker import WorkerOptions, start_in_background
from truecount.settings import Settings


def stocked(db: Database, scope: Scope, config: dict[str, object] | None = None) -> None:
    """MUG and CAP in stock at WH1; an eBay channel ``ebay`` and a manual one ``web``."""
    f.location(db, scope, "WH1")
    for sku in ("MUG", "CAP"):
        f.variant(db, scope, sku)
        f.receive(db, scope, sku, 10, "WH1")
    o.channel(db, scope, "ebay", ["WH1"], kind="ebay", config=config or {})
    o.channel(db, scope, "web", ["WH1"])


def queued(db: Database, scope: Scope) -> list[Fulfilment]:
    with db.read() as conn:
        return fulfilments(conn, scope.merchant_id)


def test_fulfilling_a_channel_order_with_tracking_queues_what_each_act_shipped(db: Database, scope: Scope) -> None:
    stocked(db, scope)
    order = o.order(db, scope, "12-00001-00001", ("MUG", 2), ("CAP", 1), channel="ebay")
    first = fulfil_order(db, scope, order.id, [o.LineChange("MUG", 1)], tracking=Tracking("UPS", "1Z0001"))
    assert first.status == "open"
    rest = fulfil_order(db, scope, order.id, tracking=Tracking("UPS", "1Z0002", "https://ups.example/1Z0002"))
    assert rest.status == "fulfilled"
    rows = queued(db, scope)
    assert [(r.order_ref, r.tracking, [(li.sku, li.quantity) for li in r.lines], r.complete) for r in rows] == [
        ("12-00001-00001", "1Z0001", [("MUG", 1)], False),
        ("12-00001-00001", "1Z0002", [("MUG", 1), ("CAP", 1)], True),
    ]
    assert rows[1].tracking_url == "https://ups.example/1Z0002" and {r.state for r in rows} == {"queued"}


def test_an_order_of_a_channel_truecount_does_not_push_to_keeps_no_tracking(db: Database, scope: Scope) -> None:
    stocked(db, scope)
    order = o.order(db, scope, "W-1", ("MUG", 1), channel="web")
    assert fulfil_order(db, scope, order.id, tracking=Tracking("UPS", "1Z0001")).status == "fulfilled"
    assert queued(db, scope) == []


@pytest.mark.parametrize(("tracking", "field"), [(Tracking("", "1Z1"), "carrier"), (Tracking("UPS", " "), "tracking"),
                                                 (Tracking("UPS", "1Z1", "mailto:x"), "tracking_url")])  # fmt: skip
def test_tracking_without_a_carrier_or_number_is_refused_and_nothing_ships(
    db: Database, scope: Scope, tracking: Tracking, field: str
) -> None:
    stocked(db, scope)
    order = o.order(db, scope, "12-00001-00002", ("MUG", 1), channel="ebay")
    with pytest.raises(InvalidInput) as refused:
        fulfil_order(db, scope, order.id, tracking=tracking)
    assert refused.value.field == field
    assert queued(db, scope) == []
    assert o.change(db, scope, "fulfil", order.id).status == "fulfilled"  # the units were still there to ship


def test_the_command_line_and_the_api_take_tracking_and_carrier(db: Database, scope: Scope) -> None:
    stocked(db, scope)
    by_cli = o.order(db, scope, "12-00001-00003", ("MUG", 1), channel="ebay")
    by_api = o.order(db, scope, "12-00001-00004", ("CAP", 1), channel="ebay")
    with db.read() as conn:
        code = conn.execute(select(merchants.c.code).where(merchants.c.id == scope.merchant_id)).scalar_one()
    args = ["--db", db.url, "--merchant", code, "order", "fulfil", str(by_cli.id), "--tracking", "1Z0003",
            "--carrier", "USPS", "--json"]  # fmt: skip
    cli = CliRunner().invoke(cli_app, args)
    assert cli.exit_code == 0, cli.output
    api = client_for(create_app(Settings(), db), db, scope, "staff")
    missing = api.post(f"/api/v1/orders/{by_api.id}/fulfil", json={"tracking": "1Z0004"})
    assert_error(missing, 422, "invalid_input", "carrier")
    answer = api.post(f"/api/v1/orders/{by_api.id}/fulfil", json={"tracking": "1Z0004", "carrier": "FedEx"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "fulfilled"
    assert [(r.order_ref, r.carrier, r.tracking, r.complete) for r in queued(db, scope)] == [
        ("12-00001-00003", "USPS", "1Z0003", True),
        ("12-00001-00004", "FedEx", "1Z0004", True),
    ]


def test_the_worker_tells_ebay_of_a_shipment_fulfilled_with_tracking(
    db: Database, scope: Scope, emu: dict[str, RunningEmulator]
) -> None:
    ebay = emu["ebay"]
    stocked(db, scope, channel_config("ebay", ebay.url, order_poll_s=3600))
    lines = [{"ref": "MUG", "sku": "MUG", "quantity": 2}]
    httpx.post(ebay.url + "/_emulator/orders", json={"id": "12-00009-00009", "lines": lines}).raise_for_status()
    order = o.order(db, scope, "12-00009-00009", ("MUG", 2), channel="ebay")
    fulfil_order(db, scope, order.id, tracking=Tracking("UPS", "1Z0009"))
    options = WorkerOptions(poll_interval_s=0.05, lease_s=5.0, channel_refresh_s=0.1, merchant_id=scope.merchant_id)
    stop = start_in_background(db, options)
    try:
        assert wait_for(lambda: [r.state for r in queued(db, scope)] == ["pushed"], 20), queued(db, scope)
    finally:
        stop()
    seen = httpx.get(ebay.url + "/_emulator/fulfilments").json()
    assert [(r["order_id"], r["tracking"], r["lines"][0]["quantity"]) for r in seen["fulfilments"]] == [
        ("12-00009-00009", "1Z0009", 2)
    ]
