"""Quantities are 64-bit on both backends, with one set of limits: a level holds up to 2^63 - 1; one
request carries at most 10^12 (422 naming the field above it); a write that would take a level past
2^63 - 1 is refused with 422 and writes nothing, never a 500."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from tests import factories as f
from tests import offer_factories as of
from tests.api_factories import assert_error, merchant_code
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.ledger import lot_levels, movements, stock_levels
from truecount.domain.ledger import MAX_REQUEST_QUANTITY, MAX_STORED_QUANTITY
from truecount.entrypoints.cli.main import app as cli_app
from truecount.services.common.scope import Scope
from truecount.services.offers.listings import add_listing
from truecount.services.stock.verify import verify
from truecount.settings import Settings

BILLION = 1_000_000_000


def receive(api: TestClient, quantity: int, sku: str = "TEE", location: str = "WH1") -> httpx.Response:
    return api.post(
        "/api/v1/movements", json={"kind": "receive", "sku": sku, "location": location, "quantity": quantity}
    )


def footprint(db: Database, scope: Scope) -> tuple[int, ...]:
    """The merchant's ledger rows and its levels' figures: unchanged by a refusal."""
    m = scope.merchant_id
    with db.read() as conn:
        count = int(conn.execute(select(func.count()).where(movements.c.merchant_id == m)).scalar_one())
        levels = conn.execute(
            select(stock_levels.c.on_hand, stock_levels.c.booked).where(stock_levels.c.merchant_id == m)
        ).all()
        lots = conn.execute(select(lot_levels.c.on_hand).where(lot_levels.c.merchant_id == m)).scalars().all()
    return (count, *(int(v) for row in levels for v in row), *(int(v) for v in lots))


@pytest.fixture
def shop(db: Database, scope: Scope) -> Scope:
    """TEE, and the locations WH1 and WH2."""
    for code in ("WH1", "WH2"):
        f.location(db, scope, code)
    f.variant(db, scope, "TEE")
    return scope


def full(db: Database, scope: Scope, at: str, quantity: int) -> None:
    """TEE at ``at`` raised to ``quantity`` (a level millions of large receipts would reach), written
    through the one write path."""
    f.receive(db, replace(scope, max_quantity=MAX_STORED_QUANTITY), "TEE", quantity, at)


def test_a_billion_received_three_times_is_three_billion_on_hand(api: TestClient, db: Database, shop: Scope) -> None:
    for _ in range(3):
        assert receive(api, BILLION).status_code == 201
    [row] = api.get("/api/v1/stock", params={"sku": "TEE"}).json()
    assert (row["on_hand"], row["available"]) == (3 * BILLION, 3 * BILLION)
    shipped = api.post(
        "/api/v1/movements",
        json={"kind": "adjust", "sku": "TEE", "location": "WH1", "quantity": -(2 * BILLION + 1), "reason": "sold"},
    )
    assert shipped.status_code == 201, shipped.text
    assert shipped.json()["levels"][0]["on_hand"] == BILLION - 1
    assert verify(db, shop) == []


def test_one_request_may_carry_up_to_the_documented_limit_and_not_one_more(
    api: TestClient, db: Database, shop: Scope
) -> None:
    assert Settings().max_quantity == MAX_REQUEST_QUANTITY == 10**12
    before = footprint(db, shop)
    refused = receive(api, MAX_REQUEST_QUANTITY + 1)
    body = assert_error(refused, 422, "invalid_input", "quantity")
    assert str(MAX_REQUEST_QUANTITY) in body["message"]
    assert footprint(db, shop) == before
    assert receive(api, MAX_REQUEST_QUANTITY).status_code == 201
    order = {"channel": "pos", "external_id": "X1", "lines": [{"sku": "TEE", "quantity": MAX_REQUEST_QUANTITY + 1}]}
    assert_error(api.post("/api/v1/orders", json=order), 422, "invalid_input", "lines[0].quantity")
    assert verify(db, shop) == []


def test_a_receipt_that_would_take_a_level_past_the_largest_stored_figure_is_refused_and_writes_nothing(
    api: TestClient, db: Database, shop: Scope
) -> None:
    full(db, shop, "WH1", MAX_STORED_QUANTITY - 5)
    before = footprint(db, shop)
    for lot in (None, "L1"):  # the level's check, and a lot's
        body = {"kind": "receive", "sku": "TEE", "location": "WH1", "quantity": 6} | ({"lot": lot} if lot else {})
        refused = api.post("/api/v1/movements", json=body)
        answer = assert_error(refused, 422, "invalid_input", "quantity")
        assert str(MAX_STORED_QUANTITY) in answer["message"]
        assert footprint(db, shop) == before
    assert receive(api, 5).status_code == 201  # exactly the largest figure
    [row] = api.get("/api/v1/stock", params={"sku": "TEE"}).json()
    assert row["on_hand"] == MAX_STORED_QUANTITY
    assert_error(receive(api, 1), 422, "invalid_input", "quantity")
    assert verify(db, shop) == []


def test_a_transfer_into_a_full_level_is_refused_and_leaves_both_levels_as_they_were(
    api: TestClient, db: Database, shop: Scope
) -> None:
    full(db, shop, "WH2", MAX_STORED_QUANTITY)
    f.receive(db, shop, "TEE", 10, "WH1")
    before = footprint(db, shop)
    moved = api.post(
        "/api/v1/movements",
        json={"kind": "transfer", "sku": "TEE", "location": "WH1", "to_location": "WH2", "quantity": 3},
    )
    assert_error(moved, 422, "invalid_input", "quantity")
    assert footprint(db, shop) == before
    assert verify(db, shop) == []


def test_levels_at_the_largest_figure_in_two_places_are_read_offered_and_watched_alike_on_both_backends(
    api: TestClient, db: Database, shop: Scope
) -> None:
    for at in ("WH1", "WH2"):
        full(db, shop, at, MAX_STORED_QUANTITY)
    of.channel(db, shop, "web", ["WH1", "WH2"])
    assert add_listing(db, shop, "web", "TEE", "55").quantity == MAX_STORED_QUANTITY  # the pool is twice that
    [offered] = api.get("/api/v1/channels/web/quantities").json()
    assert offered["quantity"] == MAX_STORED_QUANTITY
    assert [row["on_hand"] for row in api.get("/api/v1/stock", params={"sku": "TEE"}).json()] == [
        MAX_STORED_QUANTITY
    ] * 2
    watched = api.put("/api/v1/trackers", json={"sku": "TEE", "mechanism": "stock_quantity", "params": {"below": 10}})
    assert watched.status_code == 201, watched.text
    assert watched.json()["current"] == 2 * MAX_STORED_QUANTITY
    assert verify(db, shop) == []


def test_the_command_line_refuses_a_receipt_past_the_largest_figure_naming_the_field(db: Database, shop: Scope) -> None:
    full(db, shop, "WH1", MAX_STORED_QUANTITY)
    before = footprint(db, shop)
    result = CliRunner().invoke(
        cli_app, ["--db", db.url, "--merchant", merchant_code(db, shop), "receive", "TEE", "1", "--at", "WH1"]
    )
    assert result.exit_code == 1, result.output
    assert "(invalid_input): quantity: would take a stored figure past" in result.stderr.replace("\n", " ")
    assert footprint(db, shop) == before
