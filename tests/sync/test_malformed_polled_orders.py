"""A polled order that does not match the channel's schema (Amazon ``searchOrders``, eBay ``getOrders``,
served by the emulators) is refused and recorded in the sync status; the run does not stop, and the
well-formed orders of the same poll still land — on both backends."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from tests import factories as f
from tests.api_factories import merchant_code
from tests.sync.conftest import channel_config
from truecount.adapters.db.engine import Database
from truecount.domain.commands import CreateChannel
from truecount.emulators.runner import RunningEmulator
from truecount.entrypoints.cli.main import app
from truecount.services.channels.setup import create_channel
from truecount.services.common.scope import Scope
from truecount.services.orders.views import list_orders
from truecount.services.stock.levels import stock
from truecount.services.sync.reconcile import reconcile
from truecount.services.sync.status import sync_status

ITEMS = {"amazon": "orderItems", "ebay": "lineItems"}
ID = {"amazon": "orderId", "ebay": "orderId"}


def malformed(kind: str) -> dict[str, tuple[dict[str, Any], str]]:
    """Per case: the emulator order (``lines``, ``override``) and a words the refusal must contain."""
    items = ITEMS[kind]
    quantity = "quantityOrdered" if kind == "amazon" else "quantity"

    def sold(q: object, **override: object) -> dict[str, Any]:
        return {"lines": [{"ref": "TEE", "quantity": q}], "override": override}

    return {
        "fractional quantity": (sold(1.7), f"{items}[0].{quantity}: Input should be a valid integer (got 1.7)"),
        "quantity as text": (sold("2"), '(got "2")'),
        "quantity true": (sold(True), "(got true)"),
        "null quantity": (sold(None), "(got null)"),
        "items not a list": (sold(1, **{items: "x"}), f"{items}: Input should be a valid list"),
        "an item not an object": (sold(1, **{items: [5]}), f"{items}[0]: should be a JSON object"),
        "no items": (sold(1, **{items: []}), "an order must have at least one line"),
        "no order id": (sold(1, **{ID[kind]: None}), "orderId"),
        "an order that is a list": ({"lines": [], "shown": [1, 2]}, "body: should be a JSON object"),
        "only empty items": ({"lines": [], "shown": {items: []}}, f"{ID[kind]}: Field required"),
    }


@pytest.mark.parametrize("kind", ["amazon", "ebay"])
def test_malformed_polled_orders_are_refused_and_recorded_while_the_good_ones_land(
    db: Database, scope: Scope, emu: dict[str, RunningEmulator], kind: str
) -> None:
    f.location(db, scope, "WH1")
    f.variant(db, scope, "TEE")
    f.receive(db, scope, "TEE", 50, "WH1")
    url = emu[kind].url
    create_channel(db, scope, CreateChannel(kind, kind, ["WH1"], config=channel_config(kind, url)))
    cases = malformed(kind)
    sent = [("good-1", {"lines": [{"ref": "TEE", "quantity": 2}]})]
    sent += [(case, order) for case, (order, _) in cases.items()]
    sent += [("good-2", {"lines": [{"ref": "TEE", "quantity": 3}]})]
    ids = {}
    for name, order in sent:
        answer = httpx.post(url + "/_emulator/orders", json=order)
        answer.raise_for_status()
        ids[name] = answer.json()["order"]["id"]

    reconcile(db, scope, kind)  # polls the orders: must not stop at the first malformed one

    recorded = {o.external_id: o for o in list_orders(db, scope)}
    assert set(recorded) == {ids["good-1"], ids["good-2"]}
    assert [level.booked for level in stock(db, scope, "TEE")] == [5]
    [status] = [s for s in sync_status(db, scope) if s.channel == kind]
    assert status.orders_refused == len(cases)
    last_case = list(cases)[-1]
    assert cases[last_case][1] in str(status.last_order_refusal), status
    shown = CliRunner().invoke(app, ["--db", db.url, "--merchant", merchant_code(db, scope), "sync", "status"],
                               env={"COLUMNS": "250"})  # fmt: skip
    assert shown.exit_code == 0, shown.output
    assert f"{kind}: last refused order" in shown.output and cases[last_case][1] in shown.output


@pytest.mark.parametrize("kind", ["amazon", "ebay"])
def test_each_refusal_names_the_order_and_why(
    db: Database, scope: Scope, emu: dict[str, RunningEmulator], kind: str
) -> None:
    f.location(db, scope, "WH1")
    f.variant(db, scope, "TEE")
    url = emu[kind].url
    create_channel(db, scope, CreateChannel(kind, kind, ["WH1"], config=channel_config(kind, url)))
    for case, (order, words) in malformed(kind).items():
        answer = httpx.post(url + "/_emulator/orders", json=order).json()
        reconcile(db, scope, kind)
        [status] = [s for s in sync_status(db, scope) if s.channel == kind]
        refusal = str(status.last_order_refusal)
        assert words in refusal, (case, refusal)
        if case not in ("no order id", "an order that is a list", "only empty items"):
            assert f"order {answer['order']['id']}:" in refusal, (case, refusal)
    assert list_orders(db, scope) == []


@pytest.mark.parametrize("kind", ["amazon", "ebay"])
def test_a_polled_event_the_orders_service_refuses_is_recorded_and_the_poll_goes_on(
    db: Database, scope: Scope, emu: dict[str, RunningEmulator], kind: str
) -> None:
    """An order sold and cancelled on the channel between two polls reaches truecount only as a
    cancellation of an order it never saw: refused by the orders service, recorded, the poll goes on."""
    f.location(db, scope, "WH1")
    f.variant(db, scope, "TEE")
    f.receive(db, scope, "TEE", 10, "WH1")
    url = emu[kind].url
    create_channel(db, scope, CreateChannel(kind, kind, ["WH1"], config=channel_config(kind, url)))
    gone = httpx.post(url + "/_emulator/orders", json={"lines": [{"ref": "TEE", "quantity": 1}]}).json()["order"]["id"]
    httpx.post(f"{url}/_emulator/orders/{gone}/cancel").raise_for_status()
    kept = httpx.post(url + "/_emulator/orders", json={"lines": [{"ref": "TEE", "quantity": 4}]}).json()["order"]["id"]

    reconcile(db, scope, kind)

    assert [o.external_id for o in list_orders(db, scope)] == [kept]
    assert [level.booked for level in stock(db, scope, "TEE")] == [4]
    [status] = [s for s in sync_status(db, scope) if s.channel == kind]
    assert status.orders_refused == 1
    assert f"order {gone} (cancelled): external_id: no order" in str(status.last_order_refusal), status
